import { type RefObject } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Attachment, Message } from '../../sdk';
import { Composer } from './composer';
import { describeTyping, locale, plural, t } from './i18n';
import { MessageList, refocusMenuButton } from './message-list';
import { OnlineList } from './online-list';
import { PanelHeader } from './panel-header';
import { type ChatState, type ChatStore, describeError, isModerator } from './store';

interface ChatRoomProps {
  state: ChatState;
  store: ChatStore;
  /** The host's title for the panel; default the room's name. */
  title?: string | undefined;
  onMinimise?: (() => void) | undefined;
}

/** The joined room: header, who is online, the messages and the composer (for a reader: a way to sign in). */
export function ChatRoom({ state, store, title, onMinimise }: ChatRoomProps) {
  const { room, user, status, online, notice } = state;
  const [menuOf, setMenuOf] = useState<Message | null>(null);
  const menuHost = useRef<HTMLDivElement>(null);
  // the emoji picker (a lazy chunk): what a pick does, and where focus goes after
  const [picking, setPicking] = useState<{ pick: (emoji: string) => void; done: () => void } | null>(null);
  const pickerHost = useRef<HTMLDivElement>(null);
  // the message being answered: the composer shows it and the next send replies to it
  const [replying, setReplying] = useState<Message | null>(null);
  // the image open in the lightbox (a lazy chunk)
  const [viewing, setViewing] = useState<Attachment | null>(null);
  const viewerHost = useRef<HTMLDivElement>(null);
  const closeViewer = () => setViewing(null);
  // the room's search (a lazy chunk), opened from the header
  const [searching, setSearching] = useState(false);
  const searchHost = useRef<HTMLDivElement>(null);
  const closeSearch = () => setSearching(false);
  // the user's account: email for when they are away, their data (a lazy chunk), opened from the header
  const [accounting, setAccounting] = useState(false);
  const accountHost = useRef<HTMLDivElement>(null);
  const closeAccount = () => setAccounting(false);
  // to a message (a quote's original, a search result): older pages come until it is there, and it takes the focus
  const jump = async (seq: number) => {
    await store.reveal(seq);
    const original = document.getElementById(`m${seq}`);
    if (!original) return;
    original.tabIndex = -1;
    original.focus();
    original.scrollIntoView({ block: 'center' });
  };
  // the pinned message the pin bar shows; each press jumps to it and shows the next
  const [pinIndex, setPinIndex] = useState(0);
  // moderators post in a paused room and are exempt from slow mode (the server checks; this only shows it)
  const moderator = isModerator(user);
  // the menu is a lazy chunk: loaded the first time someone opens a message's menu
  const closeMenu = () => {
    setMenuOf(null);
    refocusMenuButton();
  };
  useLazyPart(
    menuOf,
    menuHost,
    () => import('./message-menu'),
    ({ mountMessageMenu }, host, message) => {
      const { seq, author } = message;
      return mountMessageMenu(host, {
        locale,
        authorName: author.displayName,
        own: author.id === user?.id,
        moderator,
        pinned: room?.pinned?.some((pin) => pin.seq === seq) ?? false,
        onReact: () => {
          setMenuOf(null);
          setPicking({ pick: (emoji) => void store.react(seq, emoji), done: refocusMenuButton });
        },
        // the composer takes the focus
        onReply: () => {
          setMenuOf(null);
          setReplying(message);
        },
        seq,
        authorId: author.id,
        room: store.joined,
        chat: store.chat,
        onBlock: () => store.block(author.id),
        onUnblock: () => store.unblock(author.id),
        describeError,
        onClose: closeMenu,
      });
    },
    closeMenu,
  );
  // the picker too, the first time someone reacts or inserts an emoji
  const closePicker = () => {
    setPicking(null);
    picking?.done();
  };
  useLazyPart(picking, pickerHost, () => import('./emoji-picker'), ({ mountEmojiPicker }, host, { pick }) =>
    mountEmojiPicker(host, { locale, onPick: (emoji) => (pick(emoji), closePicker()), onClose: closePicker }),
    closePicker,
  );
  useLazyPart(viewing, viewerHost, () => import('./lightbox'), ({ mountLightbox }, host, image) =>
    mountLightbox(host, { locale, src: store.imageUrl(image), name: image.name, onClose: closeViewer }),
    closeViewer,
  );
  useLazyPart(searching || null, searchHost, () => import('./search-panel'), ({ mountSearchPanel }, host) =>
    mountSearchPanel(host, {
      locale,
      search: (query, before) => store.joined().search(query, { before }),
      onOpen: (seq) => (closeSearch(), void jump(seq)),
      onClose: closeSearch,
      describeError,
    }),
    closeSearch,
  );
  const { chat } = store;
  useLazyPart(accounting ? user : null, accountHost, () => import('./account-panel'), ({ mountAccountPanel }, host, { role }) =>
    mountAccountPanel(host, {
      locale,
      role,
      settings: () => chat.emailSettings(),
      setEmail: (address) => chat.setEmail(address),
      setNotify: (notify) => chat.setEmailNotifications(notify),
      remove: () => chat.removeEmail(),
      exportData: () => chat.exportData(),
      deleteAccount: (password) => chat.deleteAccount(password),
      onClose: closeAccount,
      describeError,
    }),
    closeAccount,
  );
  const myId = user?.id ?? '';
  const pins = room?.pinned ?? [];
  const pin = pins[pinIndex % pins.length];
  const offline = status !== 'online';
  const paused = room?.paused === true && !moderator;
  return (
    <div class="room">
      <PanelHeader
        title={
          title ?? (
            <>
              <span class="room-hash" aria-hidden="true">
                #
              </span>
              {room?.name ?? ''}
            </>
          )
        }
        subtitle={<span class="online-count">{plural(t.onlineCount, online.length)}</span>}
        onMinimise={onMinimise}
      >
        {room && (
          <button type="button" class="text-button" onClick={() => setSearching(true)}>
            {t.search}
          </button>
        )}
        {user && (
          <button type="button" class="text-button" onClick={() => setAccounting(true)}>
            {t.account}
          </button>
        )}
        {user && (
          <button type="button" class="text-button" onClick={() => void store.logout()}>
            {t.logOut}
          </button>
        )}
      </PanelHeader>
      <main class="main">
        {room && <OnlineList users={online} myId={myId} />}
        {offline && (
          <p class="banner" role="status">
            {state.wasOnline ? t.offline : t.connecting}
          </p>
        )}
        {room ? (
          <>
            {notice && (
              <p class="banner banner-error" role="alert">
                {notice}
              </p>
            )}
            {room.paused && (
              <p class="banner" role="status">
                {t.paused}
              </p>
            )}
            {pin && (
              <button
                type="button"
                class="banner pin-bar"
                onClick={() => {
                  document.getElementById(`m${pin.seq}`)?.scrollIntoView({ block: 'center' });
                  setPinIndex(pinIndex + 1);
                }}
              >
                <b>
                  {t.pinned}
                  {pins.length > 1 && ` ${(pinIndex % pins.length) + 1}/${pins.length}`}
                </b>{' '}
                {pin.author.displayName}: {pin.hidden ? t.hidden : pin.excerpt}
              </button>
            )}
            <MessageList
              messages={state.messages}
              pending={state.pending}
              myId={myId}
              hasOlder={state.hasOlder}
              loadingOlder={state.loadingOlder}
              onLoadOlder={() => void store.loadOlder()}
              onRetry={store.retry}
              onDiscard={store.discard}
              onMenu={user ? setMenuOf : undefined}
              onReact={user ? store.react : undefined}
              images={user ? { url: store.imageUrl, open: setViewing } : undefined}
              onJump={jump}
            />
            {menuOf && <div ref={menuHost} />}
            {picking && <div ref={pickerHost} />}
            {viewing && <div ref={viewerHost} />}
            {searching && <div ref={searchHost} />}
            {accounting && <div ref={accountHost} />}
            <p class="typing" aria-live="polite">
              {describeTyping(state.typing.map((u) => u.displayName))}
            </p>
          </>
        ) : notice ? (
          <div class="room-failed" role="alert">
            <p>{notice}</p>
            <button type="button" class="secondary" onClick={() => void store.rejoin()}>
              {t.tryAgain}
            </button>
          </div>
        ) : (
          <p class="room-loading" role="status">
            {t.joining}
          </p>
        )}
        {user ? (
          <Composer
            disabled={offline || !room || paused}
            slowModeSeconds={moderator ? 0 : (room?.slowModeSeconds ?? 0)}
            nextSendAt={state.nextSendAt}
            onSend={(text, images) => store.send(text, images, replying?.seq).then(() => setReplying(null))}
            replyTo={replying}
            onCancelReply={() => setReplying(null)}
            onUpload={store.upload}
            onType={store.typing}
            suggest={(prefix) => store.joined().mentionCandidates(prefix)}
            onEmoji={(pick, done) => setPicking({ pick, done })}
          />
        ) : (
          <div class="composer read-only">
            <button type="button" class="primary" onClick={store.showAuth}>
              {t.signInToChat}
            </button>
          </div>
        )}
      </main>
    </div>
  );
}

/**
 * A lazy chunk's plain-DOM part, shown in `host` while `active` is set: loaded (the first time) and mounted, and
 * removed when `active` changes or the room goes; a chunk that cannot be loaded calls `failed`.
 */
function useLazyPart<M, T>(active: T | null, host: RefObject<HTMLElement>, load: () => Promise<M>, mount: (module: M, host: HTMLElement, active: T) => () => void, failed: () => void): void {
  useEffect(() => {
    const element = host.current;
    if (!active || !element) return;
    let unmount: (() => void) | undefined;
    let gone = false;
    load().then((module) => void (gone || (unmount = mount(module, element, active))), failed);
    return () => {
      gone = true;
      unmount?.();
    };
  }, [active]);
}
