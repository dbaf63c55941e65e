import {
  type Attachment,
  type CoreChatClient,
  ChatError,
  type ConnectionStatus,
  type IdentifyRequest,
  type LoginRequest,
  type Message,
  type PendingMessage,
  type PresenceUser,
  type RegisterRequest,
  type Room,
  type RoomInfo,
  type User,
  createClientMsgId,
  followOriginal,
  hasRank,
} from '../../sdk';
import { t } from './i18n';

export type View = 'starting' | 'unreachable' | 'auth' | 'room';

export interface ChatState {
  view: View;
  user: User | null;
  status: ConnectionStatus;
  /** Online at least once this session: a drop reads "Reconnecting…", the first connect "Connecting…". */
  wasOnline: boolean;
  /** The joined room, or null while joining or after a failed join. */
  room: RoomInfo | null;
  /** Slow mode: when the user may send again (ms since the epoch; 0 when they may now). */
  nextSendAt: number;
  /** Oldest first, one entry per seq. */
  messages: readonly Message[];
  /** Your messages not stored yet (sending, queued while offline, failed), oldest first. */
  pending: readonly PendingMessage[];
  /** The room has messages older than the first one shown. */
  hasOlder: boolean;
  /** An older page is on its way. */
  loadingOlder: boolean;
  online: readonly PresenceUser[];
  /** Others typing in the room now. */
  typing: readonly PresenceUser[];
  /** A failure not tied to a form: the server is unreachable, the join failed, the session ended. */
  notice: string | null;
  /** Visitors may read the room without an account (the room view with no user: the read-only view). */
  canRead: boolean;
  /** Visitors may chat as guests under a name of their choosing. */
  guests: boolean;
}

export interface ChatStore {
  getState(): ChatState;
  subscribe(listener: () => void): () => void;
  /** Every message that arrives after the join (live, or caught up after a drop); `own` when the user sent it. */
  onMessage(listener: (message: Message, own: boolean) => void): () => void;
  /** Restores the stored session, if any. */
  start(): Promise<void>;
  /** Signs in the site's own user (identity verification); falls back to the forms when refused. */
  identify(identity: IdentifyRequest): Promise<void>;
  login(input: LoginRequest): Promise<void>;
  register(input: RegisterRequest): Promise<void>;
  /** Chats as a guest under `displayName`. */
  guest(displayName: string): Promise<void>;
  logout(): Promise<void>;
  /** A reader asked to sign in: the forms, the room kept behind them. */
  showAuth(): void;
  /** Back from the forms to the room being read. */
  showRoom(): void;
  /**
   * Resolves when the message is stored. A send that may work later stays in `pending` as failed (retry or discard
   * it there) and resolves too; only a message refused for good rejects, so the composer can give its text back.
   */
  send(text: string, attachments?: Attachment[], replyTo?: number): Promise<void>;
  /** Loads older pages until the message `seq` is in the list (or there is nothing older). */
  reveal(seq: number): Promise<void>;
  /** Uploads an image for the next message. */
  upload(file: File): Promise<Attachment>;
  /** An image's address (its thumbnail's with `thumbnail`): the app's pages send the session cookie with it. */
  imageUrl(attachment: Attachment, thumbnail?: boolean): string;
  retry(clientMsgId: string): void;
  discard(clientMsgId: string): void;
  /** Hides a user's messages and typing from this user, now and later (stored on the account). */
  block(userId: string): Promise<void>;
  unblock(userId: string): Promise<void>;
  /** Toggles the user's reaction on a message; a refusal shows as the notice. */
  react(seq: number, emoji: string): Promise<void>;
  /** The joined room (throws when there is none): the message menu reports, pins, deletes and mutes through it. */
  joined(): Room;
  /** The client: the message menu bans through it. */
  chat: CoreChatClient;
  /** Reads the page of messages before the oldest one shown. */
  loadOlder(): Promise<void>;
  /** A keystroke in the composer (the SDK throttles what it sends). */
  typing(): void;
  /** Joins the room again after a failed join. */
  rejoin(): Promise<void>;
}

// bounds memory in a long-open tab; older messages stay on the server
const MAX_MESSAGES = 500;
const PAGE_SIZE = 50;

/** The widget's whole state, bound to one SDK client and one room. */
export function createChatStore(chat: CoreChatClient, roomId: string): ChatStore {
  let state: ChatState = {
    view: 'starting',
    user: null,
    status: chat.status,
    wasOnline: false,
    room: null,
    nextSendAt: 0,
    messages: [],
    pending: [],
    hasOlder: false,
    loadingOlder: false,
    online: [],
    typing: [],
    notice: null,
    canRead: false,
    guests: false,
  };
  const listeners = new Set<() => void>();
  const messageListeners = new Set<(message: Message, own: boolean) => void>();
  const set = (patch: Partial<ChatState>) => {
    state = { ...state, ...patch };
    for (const listener of [...listeners]) listener();
  };
  const joined = () => {
    if (!current) throw new Error('the room is not joined yet');
    return current;
  };
  const emptyRoom = { room: null, nextSendAt: 0, messages: [], pending: [], hasOlder: false, loadingOlder: false, online: [], typing: [] };

  let current: Room | null = null;
  let unsubscribeRoom: Array<() => void> = [];
  // bumped on every user change, so a join that resolves late cannot attach a stale room
  let generation = 0;

  const detachRoom = () => {
    for (const unsubscribe of unsubscribeRoom) unsubscribe();
    unsubscribeRoom = [];
    current = null;
  };

  const joinRoom = async () => {
    const mine = ++generation;
    detachRoom();
    set({ ...emptyRoom, notice: null });
    try {
      const room = await chat.join(roomId);
      if (mine !== generation) return;
      current = room;
      const messages = room.recent.slice(-MAX_MESSAGES);
      set({
        room: describe(room),
        messages,
        pending: room.pending,
        hasOlder: startsAfterFirst(messages),
        online: [...room.online],
      });
      unsubscribeRoom = [
        room.on('message', (message) => {
          const messages = appendMessage(state.messages, message);
          // trimmed at the top: the trimmed ones can be read again as older
          set({ messages, hasOlder: state.hasOlder || (state.messages.length > 0 && messages[0] !== state.messages[0]) });
          const own = message.author.id === state.user?.id;
          for (const listener of [...messageListeners]) listener(message, own);
        }),
        room.on('update', (message) => set({ messages: followOriginal(state.messages.map((m) => (m.seq === message.seq ? message : m)), message) })),
        room.on('change', (info) => set({ room: describe(info), ...(info.slowModeSeconds === 0 ? { nextSendAt: 0 } : {}) })),
        room.on('presence', (online) => set({ online })),
        room.on('typing', (typing) => set({ typing })),
        room.on('pending', (pending) => set({ pending })),
      ];
    } catch (error) {
      if (mine !== generation) return;
      // a visitor may not read this room (it is for members): the forms, as for a members-only site
      if (!state.user && error instanceof ChatError && error.code === 'unauthorized') set({ canRead: false, view: 'auth' });
      else set({ notice: describeError(error) });
    }
  };

  // a visitor without a session: reads the room when it is open to visitors, else signs in
  const visit = () => {
    generation += 1;
    detachRoom();
    set({ ...emptyRoom, user: null, view: state.canRead ? 'room' : 'auth' });
    if (state.canRead) void joinRoom();
  };

  chat.on('status', (status) => set({ status, wasOnline: state.wasOnline || status === 'online' }));
  chat.on('user', (user) => {
    if (user) {
      set({ user, view: 'room', wasOnline: false });
      void joinRoom();
    } else visit();
  });
  chat.on('error', (error) => set({ notice: describeError(error) }));

  const start = async () => {
    set({ view: 'starting', notice: null });
    try {
      const user = await chat.restore();
      // a restored user already switched the view through the 'user' event
      if (user) return;
      const { read, guests } = await chat.site();
      set({ canRead: read, guests });
      // the host may have signed its user in meanwhile (an identify right after hello): they stay signed in
      if (!chat.user) visit();
    } catch (error) {
      const unknownSite = error instanceof ChatError && error.code === 'not_found';
      set({ view: 'unreachable', notice: unknownSite ? t.unknownSite : describeError(error) });
    }
  };

  const store: ChatStore = {
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    onMessage(listener) {
      messageListeners.add(listener);
      return () => void messageListeners.delete(listener);
    },
    start,
    async identify(identity) {
      set({ view: 'starting', notice: null });
      try {
        await chat.identify(identity);
      } catch (error) {
        await start();
        set({ notice: describeError(error) });
      }
    },
    async login(input) {
      await chat.login(input);
    },
    async register(input) {
      await chat.register(input);
    },
    async guest(displayName) {
      await chat.guest({ displayName });
    },
    showAuth: () => set({ view: 'auth' }),
    showRoom: () => set({ view: 'room' }),
    async logout() {
      // the local session ends even when the server cannot be told
      await chat.logout().catch(() => undefined);
      set({ notice: null });
    },
    upload: (file) => chat.upload(file),
    imageUrl: (attachment, thumbnail) => chat.attachmentUrl(attachment, thumbnail ? 'thumbnail' : 'original'),
    async send(text, attachments, replyTo) {
      const room = current;
      // the composer is disabled until the room is joined; not a ChatError, so the reader sees the catalog's words
      if (!room) throw new Error('the room is not joined yet');
      const clientMsgId = createClientMsgId();
      // "@Mia Chen" mentions Mia: each @word is looked up among the room's people (online first, then recent authors),
      // and whoever's whole name follows the @ is mentioned by id
      const mentions = [...text.matchAll(/@(\S+)/g)].flatMap(([, prefix]) => room.mentionCandidates(prefix!).filter((user) => text.includes(`@${user.displayName}`)).map((user) => user.id));
      // the stored message arrives through the room's 'message' event, so nothing to append here
      await room.send(text, { clientMsgId, attachments, replyTo, mentions: [...new Set(mentions)] }).then(
        // slow mode: the next turn (moderators are exempt)
        () => room.slowModeSeconds > 0 && !isModerator(state.user) && set({ nextSendAt: Date.now() + room.slowModeSeconds * 1000 }),
        (error: unknown) => {
          // sent too soon in slow mode: the composer counts down to the turn the server named (other limits leave the
          // message failed, with Retry)
          if (room.slowModeSeconds > 0 && error instanceof ChatError && error.code === 'rate_limited' && error.retryAfterMs) {
            set({ nextSendAt: Date.now() + error.retryAfterMs });
          }
          // kept as failed: the list offers Retry and Discard
          if (!room.pending.some((p) => p.clientMsgId === clientMsgId)) throw error;
        },
      );
    },
    joined,
    chat,
    retry(clientMsgId) {
      // the outcome shows in `pending`: gone when stored, failed again otherwise
      current?.retry(clientMsgId).catch(() => undefined);
    },
    discard: (clientMsgId) => current?.discard(clientMsgId),
    async block(userId) {
      await chat.block(userId);
      // the SDK delivers nothing of theirs from now on; what is shown already goes too
      set({ messages: state.messages.filter((m) => m.author.id !== userId), typing: state.typing.filter((u) => u.id !== userId) });
    },
    async unblock(userId) {
      await chat.unblock(userId);
      // their messages come back with the room's latest page
      const room = joined();
      const page = await room.history({ limit: PAGE_SIZE });
      if (room === current) set({ messages: page.reduce(appendMessage, state.messages) });
    },
    async react(seq, emoji) {
      // the change arrives as the room's update
      await joined().react(seq, emoji).catch((error: unknown) => set({ notice: describeError(error) }));
    },
    async reveal(seq) {
      // a page at a time, as scrolling up would; a failed page leaves the notice and stops
      while (!state.messages.some((m) => m.seq === seq) && state.hasOlder && !state.loadingOlder && !state.notice) await store.loadOlder();
    },
    async loadOlder() {
      const room = current;
      const oldest = state.messages[0];
      if (!room || !oldest || !state.hasOlder || state.loadingOlder) return;
      set({ loadingOlder: true });
      try {
        const page = await room.history({ before: oldest.seq, limit: PAGE_SIZE });
        if (room !== current) return;
        const older = page.reverse().filter((m) => m.seq < oldest.seq);
        const messages = [...older, ...state.messages];
        set({ messages, hasOlder: older.length > 0 && startsAfterFirst(messages), loadingOlder: false });
      } catch (error) {
        if (room === current) set({ loadingOlder: false, notice: describeError(error) });
      }
    },
    typing: () => current?.typing(),
    rejoin: joinRoom,
  };
  return store;
}

const describe = ({ id, name, archived, slowModeSeconds, paused, access, pinned }: RoomInfo): RoomInfo => ({ id, name, archived, slowModeSeconds, paused, access, pinned });

/** Seqs start at 1 and have no holes (a deleted message keeps its seq): a first seq above 1 has older ones. */
function startsAfterFirst(messages: readonly Message[]): boolean {
  return (messages[0]?.seq ?? 1) > 1;
}

/** Inserts by seq, ignoring a seq already present. */
function appendMessage(messages: readonly Message[], message: Message): readonly Message[] {
  const last = messages.at(-1);
  if (!last || message.seq > last.seq) return [...messages, message].slice(-MAX_MESSAGES);
  if (messages.some((m) => m.seq === message.seq)) return messages;
  return [...messages, message].sort((a, b) => a.seq - b.seq).slice(-MAX_MESSAGES);
}

/** An error in the reader's words: a refusal by its reason, other server errors as they were sent. */
export function describeError(error: unknown): string {
  if (!(error instanceof ChatError)) return t.somethingWrong;
  return (error.reason && t.refusals[error.reason]) || error.message;
}

/** Moderators (and above) post in paused rooms, skip slow mode and moderate others' messages. */
export const isModerator = (user: User | null): boolean => !!user && hasRank(user.role, 'moderator');
