// A chat page with a look of its own, built only on the SDK: plain DOM, no framework, no iframe.
// Every text from the server is set with textContent, never parsed as HTML.
import {
  type Attachment,
  ChatError,
  createChatClient,
  type ConnectionStatus,
  type Message,
  type PresenceUser,
  type Room,
  type TokenStorage,
  type User,
} from '@parley/sdk';

const ROOM_ID = 'general';
// a page of history; a shorter page means the start of the room was reached
const PAGE_SIZE = 50;
// a reader this close to the bottom follows new messages; one who scrolled up to read stays put
const STICKY_PX = 48;

// ---- the page's elements (index.html) ----------------------------------------------------------

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`custom-ui: #${id} is missing from index.html`);
  return found as T;
}

const ui = {
  status: byId('status'),
  notice: byId('notice'),
  loading: byId('loading'),
  signIn: byId('sign-in'),
  modeLogin: byId<HTMLButtonElement>('mode-login'),
  modeRegister: byId<HTMLButtonElement>('mode-register'),
  authForm: byId<HTMLFormElement>('auth-form'),
  displayNameField: byId('display-name-field'),
  formError: byId('form-error'),
  authSubmit: byId<HTMLButtonElement>('auth-submit'),
  room: byId('room'),
  roomName: byId('room-name'),
  onlineCount: byId('online-count'),
  meName: byId('me-name'),
  signOut: byId<HTMLButtonElement>('sign-out'),
  scroller: byId('scroller'),
  loadOlder: byId<HTMLButtonElement>('load-older'),
  historyError: byId('history-error'),
  joinFailed: byId('join-failed'),
  joinError: byId('join-error'),
  retryJoin: byId<HTMLButtonElement>('retry-join'),
  empty: byId('empty'),
  messages: byId<HTMLOListElement>('messages'),
  sendForm: byId<HTMLFormElement>('send-form'),
  messageInput: byId<HTMLTextAreaElement>('message-input'),
  sendButton: byId<HTMLButtonElement>('send-button'),
  sendError: byId('send-error'),
  online: byId<HTMLUListElement>('online'),
  pinned: byId('pinned'),
  replying: byId('replying'),
  replyingTo: byId('replying-to'),
  cancelReply: byId<HTMLButtonElement>('cancel-reply'),
  attach: byId<HTMLInputElement>('attach'),
  attached: byId('attached'),
  searchForm: byId<HTMLFormElement>('search-form'),
  searchInput: byId<HTMLInputElement>('search-input'),
  searchResults: byId<HTMLOListElement>('search-results'),
};

type FieldName = 'username' | 'displayName' | 'password';
const fields: Record<FieldName, { input: HTMLInputElement; error: HTMLElement }> = {
  username: { input: byId<HTMLInputElement>('username'), error: byId('username-error') },
  displayName: { input: byId<HTMLInputElement>('display-name'), error: byId('display-name-error') },
  password: { input: byId<HTMLInputElement>('password'), error: byId('password-error') },
};

// ---- the client ---------------------------------------------------------------------------------

/** The page's own server writes these; the CSP allows no inline script to pass them instead. */
function meta(name: string): string {
  const content = document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content.trim();
  if (!content) throw new Error(`custom-ui: <meta name="${name}"> is missing`);
  return content;
}

/** Keeps the session token for this tab only: a reload stays signed in, a new tab asks again. */
function tabStorage(key: string): TokenStorage {
  return {
    get: () => sessionStorage.getItem(key),
    set: (token) => (token === null ? sessionStorage.removeItem(key) : sessionStorage.setItem(key, token)),
  };
}

const site = meta('parley-site');
const chat = createChatClient({ baseUrl: meta('parley-backend'), site, storage: tabStorage(`parley:${site}:token`) });

// ---- small helpers ------------------------------------------------------------------------------

/** Shows `text` in `element`, or hides it when there is none. */
function say(element: HTMLElement, text: string | null): void {
  element.textContent = text ?? '';
  element.hidden = !text;
}

function create<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text = ''): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  element.className = className;
  element.textContent = text;
  return element;
}

function describeError(error: unknown): string {
  if (error instanceof ChatError) return error.message;
  console.error(error);
  return 'Something went wrong. Please try again.';
}

function showView(view: 'loading' | 'sign-in' | 'room'): void {
  ui.loading.hidden = view !== 'loading';
  ui.signIn.hidden = view !== 'sign-in';
  ui.room.hidden = view !== 'room';
}

// ---- connection status and errors not tied to a call --------------------------------------------

const statusText: Record<ConnectionStatus, string> = { connecting: 'Connecting…', online: 'Online', offline: 'Offline' };

function showStatus(status: ConnectionStatus): void {
  ui.status.dataset.status = status;
  ui.status.textContent = statusText[status];
}

chat.on('status', showStatus);
// e.g. a ban or a refused session; the 'user' listener below then returns to the form
chat.on('error', (error) => say(ui.notice, error.message));

// ---- sign in -------------------------------------------------------------------------------------

type Mode = 'login' | 'register';
let mode: Mode = 'login';
let signingIn = false;

function setMode(next: Mode): void {
  mode = next;
  ui.modeLogin.setAttribute('aria-pressed', String(next === 'login'));
  ui.modeRegister.setAttribute('aria-pressed', String(next === 'register'));
  ui.displayNameField.hidden = next === 'login';
  fields.displayName.input.disabled = next === 'login';
  fields.password.input.autocomplete = next === 'login' ? 'current-password' : 'new-password';
  ui.authSubmit.textContent = next === 'login' ? 'Log in' : 'Register';
  clearFormErrors();
}

function clearFormErrors(): void {
  for (const { input, error } of Object.values(fields)) {
    input.removeAttribute('aria-invalid');
    say(error, null);
  }
  say(ui.formError, null);
}

/** The server's message goes next to the field it is about, which gets focus; otherwise under the form. */
function showFormError(error: unknown): void {
  const message = describeError(error);
  const field = error instanceof ChatError ? fieldOf(error.field) : undefined;
  if (!field) return say(ui.formError, message);
  fields[field].input.setAttribute('aria-invalid', 'true');
  say(fields[field].error, message);
  fields[field].input.focus();
}

function fieldOf(name: string | undefined): FieldName | undefined {
  if (name === 'username' || name === 'password') return name;
  if (name === 'displayName' && mode === 'register') return name;
  return undefined;
}

async function signIn(): Promise<void> {
  if (signingIn) return;
  signingIn = true;
  ui.authSubmit.disabled = true;
  clearFormErrors();
  say(ui.notice, null);
  const username = fields.username.input.value;
  const password = fields.password.input.value;
  try {
    // success fires chat's 'user' event, which opens the room
    if (mode === 'login') await chat.login({ username, password });
    else await chat.register({ username, displayName: fields.displayName.input.value, password });
    ui.authForm.reset();
  } catch (error) {
    showFormError(error);
  } finally {
    signingIn = false;
    ui.authSubmit.disabled = false;
  }
}

function showSignIn(): void {
  showView('sign-in');
  fields.username.input.focus();
}

ui.modeLogin.addEventListener('click', () => setMode('login'));
ui.modeRegister.addEventListener('click', () => setMode('register'));
ui.authForm.addEventListener('submit', (event) => {
  event.preventDefault();
  void signIn();
});

// ---- the room ------------------------------------------------------------------------------------

// bumped on every sign-in and sign-out: an answer that arrives for an earlier session is dropped
let session = 0;
let me: User | null = null;
let room: Room | null = null;
let unsubscribe: Array<() => void> = [];
/** The message elements shown, by seq, so an edit or deletion replaces the right one. */
const shown = new Map<number, HTMLLIElement>();
let oldestSeq: number | undefined;

async function enterRoom(user: User): Promise<void> {
  const current = ++session;
  closeRoom();
  me = user;
  ui.meName.textContent = user.displayName;
  ui.roomName.textContent = ROOM_ID;
  ui.joinFailed.hidden = true;
  setComposer({ enabled: false });
  showView('room');
  try {
    const joined = await chat.join(ROOM_ID);
    if (current === session) openRoom(joined);
  } catch (error) {
    if (current !== session) return;
    ui.joinError.textContent = describeError(error);
    ui.joinFailed.hidden = false;
  }
}

function openRoom(joined: Room): void {
  room = joined;
  unsubscribe = [
    joined.on('message', appendMessage),
    joined.on('update', replaceMessage),
    joined.on('presence', renderOnline),
    joined.on('change', () => renderRoomInfo(joined)),
  ];
  renderRoomInfo(joined);
  renderOnline(joined.online);
  for (const message of joined.recent) appendMessage(message);
  ui.empty.hidden = shown.size > 0;
  // the join brings the newest (up to 50, fewer when they are long): anything after seq 1 may have older ones
  ui.loadOlder.hidden = (joined.recent[0]?.seq ?? 1) <= 1;
  scrollToBottom();
  ui.messageInput.focus();
}

/** Forgets the room: after sign-out, and before another sign-in. */
function closeRoom(): void {
  for (const off of unsubscribe.splice(0)) off();
  room = null;
  me = null;
  failed = null;
  shown.clear();
  oldestSeq = undefined;
  ui.messages.replaceChildren();
  ui.online.replaceChildren();
  ui.onlineCount.textContent = '';
  ui.loadOlder.hidden = true;
  ui.messageInput.value = '';
  for (const element of [ui.historyError, ui.sendError]) say(element, null);
}

function renderRoomInfo(current: Room): void {
  ui.roomName.textContent = current.name;
  const [pin] = current.pinned;
  say(ui.pinned, pin ? `Pinned — ${pin.author.displayName}: ${pin.hidden ? 'hidden' : pin.excerpt}` : null);
  document.title = `${current.name} — Parley`;
  setComposer({ enabled: !current.archived });
  say(ui.sendError, current.archived ? 'This room is archived: it can be read but takes no new messages.' : null);
}

// ---- messages --------------------------------------------------------------------------------------

const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayAndTime = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

function formatTime(iso: string): string {
  const date = new Date(iso);
  return date.toDateString() === new Date().toDateString() ? timeOfDay.format(date) : dayAndTime.format(date);
}

function renderMessage(message: Message): HTMLLIElement {
  const item = create('li', message.author.id === me?.id ? 'message own' : 'message');
  item.dataset.seq = String(message.seq);

  const time = create('time', 'time', formatTime(message.createdAt));
  time.dateTime = message.createdAt;
  time.title = new Date(message.createdAt).toLocaleString();
  const meta = create('p', 'meta');
  meta.append(create('span', 'author', message.author.displayName), ' ', time);

  const text = create('p', 'text', message.deletedAt ? 'message deleted' : message.text);
  if (message.deletedAt) text.classList.add('deleted');
  else if (message.editedAt) text.append(create('span', 'edited', ' (edited)'));

  // mentions of me (by id, or @here) stand out
  if (message.mentions?.some((id) => id === me?.id || id === 'here')) item.classList.add('mentioned');
  // a reply: its original's author and first line, as a button that goes to it
  if (message.replyTo && !message.deletedAt) {
    const original = message.replyTo;
    const quote = create('button', 'quote', `${original.author.displayName}: ${original.deleted ? 'message deleted' : original.hidden ? 'hidden' : original.excerpt}`);
    quote.type = 'button';
    quote.addEventListener('click', () => void goTo(original.seq));
    item.append(quote);
  }
  item.append(meta, text);
  // images: thumbnails fetched with the session (an <img> cannot send a bearer token)
  for (const attachment of message.deletedAt ? [] : (message.attachments ?? [])) item.append(thumbnail(attachment));
  if (!message.deletedAt && room) item.append(actions(message));
  return item;
}

function thumbnail(attachment: Attachment): HTMLImageElement {
  const image = create('img', 'thumbnail');
  image.alt = attachment.name;
  image.width = Math.min(240, attachment.width);
  chat.download(attachment, 'thumbnail').then(
    (blob) => (image.src = URL.createObjectURL(blob)),
    () => (image.alt = `${attachment.name} (not available)`),
  );
  return image;
}

/** Reactions (each a toggle; 👍 to start one), and Reply. */
function actions(message: Message): HTMLElement {
  const bar = create('p', 'actions');
  const reactions = message.reactions ?? [];
  const emoji = reactions.some((reaction) => reaction.emoji === '👍') ? reactions : [...reactions, { emoji: '👍', count: 0, userIds: [] }];
  for (const reaction of emoji) {
    const mine = reaction.userIds.includes(me?.id ?? '');
    const button = create('button', 'reaction', reaction.count > 0 ? `${reaction.emoji} ${reaction.count}` : reaction.emoji);
    button.type = 'button';
    button.setAttribute('aria-pressed', String(mine));
    button.setAttribute('aria-label', reaction.count > 0 ? `${reaction.emoji}: ${reaction.count} (${mine ? 'you reacted' : 'react'})` : `React with ${reaction.emoji}`);
    button.addEventListener('click', () => void room?.react(message.seq, reaction.emoji).catch((error: unknown) => say(ui.sendError, describeError(error))));
    bar.append(button);
  }
  const reply = create('button', 'quiet', 'Reply');
  reply.type = 'button';
  reply.addEventListener('click', () => {
    replyingTo = message;
    ui.replyingTo.textContent = `Replying to ${message.author.displayName}`;
    ui.replying.hidden = false;
    ui.messageInput.focus();
  });
  bar.append(reply);
  return bar;
}

/** Scrolls to a message, loading older pages until it is there. */
async function goTo(seq: number): Promise<void> {
  for (let pages = 0; !shown.has(seq) && !ui.loadOlder.hidden && pages < 50; pages++) await loadOlder();
  const item = shown.get(seq);
  if (!item) return;
  item.tabIndex = -1;
  item.focus();
  item.scrollIntoView({ block: 'center' });
}

function isNearBottom(): boolean {
  const { scrollHeight, scrollTop, clientHeight } = ui.scroller;
  return scrollHeight - scrollTop - clientHeight < STICKY_PX;
}

function scrollToBottom(): void {
  ui.scroller.scrollTop = ui.scroller.scrollHeight;
}

/** A new message: the SDK delivers each once, in seq order, so it goes at the end. */
function appendMessage(message: Message): void {
  if (shown.has(message.seq)) return replaceMessage(message);
  // one's own message always brings the view down
  const follow = isNearBottom() || message.author.id === me?.id;
  const item = renderMessage(message);
  shown.set(message.seq, item);
  ui.messages.append(item);
  oldestSeq ??= message.seq;
  ui.empty.hidden = true;
  if (follow) scrollToBottom();
}

/** An edit or a deletion: the same seq, drawn again. */
function replaceMessage(message: Message): void {
  const old = shown.get(message.seq);
  if (!old) return;
  const item = renderMessage(message);
  old.replaceWith(item);
  shown.set(message.seq, item);
}

async function loadOlder(): Promise<void> {
  const current = session;
  if (!room || oldestSeq === undefined || ui.loadOlder.disabled) return;
  ui.loadOlder.disabled = true;
  say(ui.historyError, null);
  try {
    const page = await room.history({ before: oldestSeq, limit: PAGE_SIZE });
    if (current !== session) return;
    // the page is newest first; what is shown must stay where the reader left it
    const older = page.filter((message) => !shown.has(message.seq)).reverse();
    const fragment = document.createDocumentFragment();
    for (const message of older) {
      const item = renderMessage(message);
      shown.set(message.seq, item);
      fragment.append(item);
    }
    const fromBottom = ui.scroller.scrollHeight - ui.scroller.scrollTop;
    ui.messages.prepend(fragment);
    if (older[0]) oldestSeq = Math.min(oldestSeq, older[0].seq);
    const atStart = page.length < PAGE_SIZE;
    ui.loadOlder.hidden = atStart;
    ui.scroller.scrollTop = ui.scroller.scrollHeight - fromBottom;
    // the button the reader pressed is gone: keep the keyboard in the conversation
    if (atStart) ui.scroller.focus({ preventScroll: true });
  } catch (error) {
    if (current === session) say(ui.historyError, describeError(error));
  } finally {
    ui.loadOlder.disabled = false;
  }
}

ui.loadOlder.addEventListener('click', () => void loadOlder());

// ---- who is online -----------------------------------------------------------------------------------

function initials(name: string): string {
  const words = name.trim().split(/\s+/).slice(0, 2);
  return words.map((word) => (Array.from(word)[0] ?? '').toUpperCase()).join('') || '?';
}

/** One of six avatar colours, the same for a person on every page. */
function hueOf(id: string): string {
  let hash = 0;
  for (const char of id) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return String(hash % 6);
}

function renderPerson(user: PresenceUser): HTMLLIElement {
  const item = create('li', user.id === me?.id ? 'person me' : 'person');
  const avatar = create('span', 'avatar', initials(user.displayName));
  avatar.dataset.hue = hueOf(user.id);
  avatar.setAttribute('aria-hidden', 'true');
  item.append(avatar, create('span', 'name', user.displayName));
  if (user.id === me?.id) item.append(create('span', 'you', ' (you)'));
  return item;
}

function renderOnline(online: readonly PresenceUser[]): void {
  ui.online.replaceChildren(...online.map(renderPerson));
  ui.onlineCount.textContent = `${online.length} online`;
}

// ---- sending -------------------------------------------------------------------------------------------

let sending = false;
// a send that gave up (e.g. offline for 30 s): sending the same text again reuses its id, so it is stored once
let failed: { text: string; clientMsgId: string } | null = null;
// the message the next send answers, and the images it carries
let replyingTo: Message | null = null;
let attachments: Attachment[] = [];

function clearReply(): void {
  replyingTo = null;
  ui.replying.hidden = true;
}
ui.cancelReply.addEventListener('click', () => {
  clearReply();
  ui.messageInput.focus();
});

function showAttached(): void {
  say(ui.attached, attachments.length > 0 ? `Attached: ${attachments.map((attachment) => attachment.name).join(', ')}` : null);
}
ui.attach.addEventListener('change', () => {
  const files = [...(ui.attach.files ?? [])].slice(0, 4 - attachments.length);
  ui.attach.value = '';
  for (const file of files) {
    say(ui.attached, `Uploading ${file.name}…`);
    chat.upload(file).then(
      (uploaded) => {
        attachments = [...attachments, uploaded];
        showAttached();
      },
      (error: unknown) => {
        showAttached();
        say(ui.sendError, describeError(error));
      },
    );
  }
});

/** The people the text mentions as @Name, among those the room suggests (online first, then recent authors). */
function mentionsIn(text: string): string[] {
  const ids = new Set<string>();
  for (const [, prefix = ''] of text.matchAll(/@(\S+)/g)) {
    for (const user of room?.mentionCandidates(prefix) ?? []) if (text.includes(`@${user.displayName}`)) ids.add(user.id);
  }
  return [...ids];
}

function setComposer({ enabled, busy = false }: { enabled: boolean; busy?: boolean }): void {
  // read-only rather than disabled while sending: the caret stays in the box
  ui.messageInput.disabled = !enabled;
  ui.messageInput.readOnly = busy;
  ui.sendButton.disabled = !enabled || busy;
}

async function send(): Promise<void> {
  const current = session;
  const text = ui.messageInput.value;
  if (!room || sending || room.archived || (text.trim() === '' && attachments.length === 0)) return;
  sending = true;
  setComposer({ enabled: true, busy: true });
  say(ui.sendError, null);
  const retry = failed?.text === text ? failed : null;
  if (failed && !retry) room.discard(failed.clientMsgId);
  failed = null;
  try {
    // the message itself arrives through room.on('message'), like everyone else's
    await room.send(text, {
      ...(retry ? { clientMsgId: retry.clientMsgId } : {}),
      replyTo: replyingTo?.seq,
      mentions: mentionsIn(text),
      attachments,
    });
    if (current === session) {
      ui.messageInput.value = '';
      clearReply();
      attachments = [];
      showAttached();
    }
  } catch (error) {
    // the text stays in the box, to send again; the SDK keeps a message worth retrying as `failed`
    const kept = room?.pending.find((pending) => pending.status === 'failed' && pending.text === text);
    if (kept) failed = { text, clientMsgId: kept.clientMsgId };
    if (current === session) say(ui.sendError, describeError(error));
  } finally {
    sending = false;
    if (current === session && room) setComposer({ enabled: !room.archived });
  }
}

ui.messageInput.addEventListener('keydown', (event) => {
  // Enter sends, Shift+Enter is a new line; an input method composing text keeps its Enter
  if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
  event.preventDefault();
  ui.sendForm.requestSubmit();
});
ui.sendForm.addEventListener('submit', (event) => {
  event.preventDefault();
  void send();
});

// ---- sign out, and the start ----------------------------------------------------------------------------

// ---- search ---------------------------------------------------------------------------------------

ui.searchForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const query = ui.searchInput.value.trim();
  if (!room || !query) return;
  room.search(query).then(
    (page) => {
      ui.searchResults.replaceChildren(
        ...(page.messages.length > 0
          ? page.messages.map((message) => {
              const item = create('li', '');
              const link = create('button', 'quote', `${message.author.displayName}: ${message.text}`);
              link.type = 'button';
              link.addEventListener('click', () => void goTo(message.seq));
              item.append(link);
              return item;
            })
          : [create('li', 'empty', 'No messages found')]),
      );
    },
    (error: unknown) => ui.searchResults.replaceChildren(create('li', 'inline-error', describeError(error))),
  );
});

ui.signOut.addEventListener('click', () => {
  ui.signOut.disabled = true;
  // signed out here whatever the server answers; the 'user' listener returns to the form
  chat
    .logout()
    .catch((error: unknown) => console.warn('custom-ui: the server did not confirm the sign-out', error))
    .finally(() => (ui.signOut.disabled = false));
});

ui.retryJoin.addEventListener('click', () => {
  if (me) void enterRoom(me);
});

// login, register, restore, logout or an ended session: the one place that switches between form and room
chat.on('user', (user) => {
  if (user) {
    void enterRoom(user);
  } else {
    session += 1;
    closeRoom();
    showSignIn();
  }
});

showStatus(chat.status);
setMode('login');
chat.restore().then(
  (user) => {
    // with a user, the 'user' listener has opened the room already
    if (!user) showSignIn();
  },
  (error: unknown) => {
    showSignIn();
    say(ui.notice, describeError(error));
  },
);
