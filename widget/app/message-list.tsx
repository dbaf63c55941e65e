import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Attachment, Message, PendingMessage } from '../../sdk';
import { fill, formatDateTime, formatDay, formatTime, plural, sameDay, t } from './i18n';
import { linkify } from './linkify';
import { ReactionChips } from './reactions';
import { describeError } from './store';

interface MessageListProps {
  messages: readonly Message[];
  /** The user's messages not stored yet, shown after the stored ones. */
  pending: readonly PendingMessage[];
  /** The signed-in user's id: their own messages are told apart. */
  myId: string;
  hasOlder: boolean;
  loadingOlder: boolean;
  onLoadOlder: () => void;
  onRetry: (clientMsgId: string) => void;
  onDiscard: (clientMsgId: string) => void;
  /** Asked for a message's menu (react; on someone else's, report, block, moderate). */
  onMenu: ((message: Message) => void) | undefined;
  /** Toggles my reaction on a message (absent for a reader). */
  onReact?: ((seq: number, emoji: string) => void) | undefined;
  /** Images: their addresses, and opening one (absent for a reader: images are for signed-in users). */
  images?: Images | undefined;
  /** Goes to a reply's original (loading older messages when needed). */
  onJump: (seq: number) => void;
}

export interface Images {
  url: (attachment: Attachment, thumbnail?: boolean) => string;
  open: (attachment: Attachment) => void;
}

// the menu button last pressed: focus returns to it when its menu closes
let menuFrom: HTMLElement | null = null;
/** Gives focus back to the menu button that opened the menu, or to the list when that message has no button now. */
export const refocusMenuButton = () => (menuFrom?.isConnected ? menuFrom : document.querySelector<HTMLElement>('.messages'))?.focus();

// a little slack, so a reader "at the bottom" need not be at the exact pixel
const STICKY_PX = 48;
// how close to the top a reader must scroll for the older page to load
const LOAD_OLDER_PX = 120;
// one author's messages this close together share a name line
const GROUP_MS = 5 * 60_000;

/**
 * The room's messages, oldest first, by day and grouped by author; kept scrolled to the newest unless the reader
 * scrolled up (then a pill counts what arrived). Scrolling to the top loads older messages without moving the view.
 */
export function MessageList(props: MessageListProps) {
  const { messages, pending, myId, hasOlder, loadingOlder, onLoadOlder } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  // the scroller's size and position as last seen: an older page keeps the view where it was by this
  const snapshot = useRef({ height: 0, top: 0 });
  const shown = useRef({ first: messages[0]?.seq, last: messages.at(-1)?.seq, pending: pending.length });
  const [unseen, setUnseen] = useState(0);

  const remember = (element: HTMLElement) => {
    snapshot.current = { height: element.scrollHeight, top: element.scrollTop };
  };
  const toBottom = (element: HTMLElement) => {
    element.scrollTop = element.scrollHeight;
    atBottom.current = true;
    setUnseen(0);
  };

  // before paint, on every change of what the list holds: the scroll position must never be seen jumping
  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const before = shown.current;
    const first = messages[0]?.seq;
    const last = messages.at(-1)?.seq;
    shown.current = { first, last, pending: pending.length };
    const prepended = first !== undefined && before.first !== undefined && first < before.first;
    const arrived = last !== undefined && before.last !== undefined && last > before.last ? messages.filter((m) => m.seq > before.last!) : [];

    if (prepended && !atBottom.current) {
      // the new page went in above: move down by its height, so the reader's line stays put
      element.scrollTop = snapshot.current.top + (element.scrollHeight - snapshot.current.height);
    }
    const mine = arrived.some((m) => m.author.id === myId) || pending.length > before.pending;
    // one's own message always brings the view down
    if (atBottom.current || mine || before.last === undefined) toBottom(element);
    else if (arrived.length > 0) setUnseen((count) => count + arrived.length);
    remember(element);
    // a first page too short to scroll could never reach the top by scrolling
    if (hasOlder && !loadingOlder && element.scrollHeight <= element.clientHeight) onLoadOlder();
  }, [messages, pending, myId]);

  const onScroll = () => {
    const element = scroller.current;
    if (!element) return;
    atBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < STICKY_PX;
    if (atBottom.current) setUnseen(0);
    remember(element);
    if (element.scrollTop < LOAD_OLDER_PX && hasOlder && !loadingOlder) onLoadOlder();
  };

  return (
    <div class="messages-frame">
      <div ref={scroller} class="messages" role="log" aria-live="polite" aria-label={t.messages} tabIndex={0} onScroll={onScroll}>
        {messages.length === 0 && pending.length === 0 ? (
          <p class="empty">{t.empty}</p>
        ) : (
          <>
            {/* one line tall either way, so the list does not jump when a page starts or ends loading */}
            <p class="history-status">{hasOlder ? (loadingOlder ? t.loadingOlder : '') : t.start}</p>
            <ol class="message-list">{renderMessages(messages, myId, props)}</ol>
            {pending.length > 0 && (
              <ol class="message-list pending-list">
                {pending.map((entry) => (
                  <PendingItem key={entry.clientMsgId} entry={entry} onRetry={props.onRetry} onDiscard={props.onDiscard} />
                ))}
              </ol>
            )}
          </>
        )}
      </div>
      {unseen > 0 && (
        <button
          type="button"
          class="new-messages"
          onClick={() => {
            const element = scroller.current;
            if (!element) return;
            toBottom(element);
            // the pill goes away: keep focus in the list rather than dropping it on <body>
            element.focus();
          }}
        >
          {plural(t.newMessages, unseen)} <span aria-hidden="true">↓</span>
        </button>
      )}
    </div>
  );
}

function renderMessages(messages: readonly Message[], myId: string, { onMenu, onReact, images, onJump }: MessageListProps) {
  const items = [];
  let previous: Message | undefined;
  for (const message of messages) {
    const date = new Date(message.createdAt);
    const previousDate = previous && new Date(previous.createdAt);
    const newDay = !previousDate || !sameDay(previousDate, date);
    if (newDay) {
      items.push(
        <li key={`day-${message.seq}`} class="day">
          <span>{formatDay(date)}</span>
        </li>,
      );
    }
    const first = newDay || previous?.author.id !== message.author.id || date.getTime() - previousDate!.getTime() > GROUP_MS;
    items.push(<MessageItem key={message.seq} message={message} myId={myId} first={first} onMenu={onMenu} onReact={onReact} images={images} onJump={onJump} />);
    previous = message;
  }
  return items;
}

function MessageItem({
  message,
  myId,
  first,
  onMenu,
  onReact,
  images,
  onJump,
}: {
  message: Message;
  myId: string;
  first: boolean;
  onMenu: ((message: Message) => void) | undefined;
  onReact?: ((seq: number, emoji: string) => void) | undefined;
  images?: Images | undefined;
  onJump: (seq: number) => void;
}) {
  const own = message.author.id === myId;
  const date = new Date(message.createdAt);
  const gone = message.deletedAt || message.hiddenAt;
  const reply = !gone && message.replyTo;
  // mentions of me (or @here) stand out
  const mentioned = message.mentions?.some((id) => id === myId || id === 'here');
  return (
    <li id={`m${message.seq}`} class={`message${own ? ' own' : ''}${first ? ' first' : ''}${mentioned ? ' mentioned' : ''}`}>
      {first && <p class="message-author">{message.author.displayName}</p>}
      {reply && (
        <button type="button" class="quote" onClick={() => onJump(reply.seq)}>
          {reply.author.displayName}: {reply.deleted ? t.deleted : reply.hidden ? t.hidden : reply.excerpt}
        </button>
      )}
      {gone ? (
        <p class="message-text message-deleted">{message.deletedAt ? t.deleted : t.hidden}</p>
      ) : (
        <p class="message-text">
          {/* text only: Preact escapes it, markup in a message stays text; links are built as elements */}
          {linkify(message.text).map((segment) =>
            segment.href ? (
              <a href={segment.href} target="_blank" rel="noopener noreferrer nofollow">
                {segment.text}
              </a>
            ) : (
              segment.text
            ),
          )}
          {message.editedAt && <span class="message-edited"> {t.edited}</span>}
        </p>
      )}
      {!gone && message.attachments && (
        <p class="reactions">
          {message.attachments.map((attachment) =>
            images ? (
              <button type="button" class="link-button" aria-label={fill(t.openImage, { name: attachment.name })} onClick={() => images.open(attachment)}>
                {/* its width and height give the box its shape (CSS sets the size), so the list keeps its place while it loads */}
                <img src={images.url(attachment, true)} alt="" loading="lazy" width={attachment.width} height={attachment.height} />
              </button>
            ) : (
              // a reader without a session may not load images: their names say what is there
              <span class="reaction">{attachment.name}</span>
            ),
          )}
        </p>
      )}
      <time dateTime={message.createdAt} title={formatDateTime(date)}>
        {formatTime(date)}
      </time>
      {/* my own messages have a menu too: to react */}
      {onMenu && !gone && (
        <button
          type="button"
          class="link-button message-menu-button"
          aria-label={fill(t.actionsOf, { name: message.author.displayName })}
          onClick={(event) => {
            // the button again, once the menu closes
            menuFrom = event.currentTarget;
            onMenu(message);
          }}
        >
          ⋯
        </button>
      )}
      <ReactionChips message={message} myId={myId} onToggle={onReact && ((emoji) => onReact(message.seq, emoji))} />
    </li>
  );
}

interface PendingItemProps {
  entry: PendingMessage;
  onRetry: (clientMsgId: string) => void;
  onDiscard: (clientMsgId: string) => void;
}

function PendingItem({ entry, onRetry, onDiscard }: PendingItemProps) {
  const failed = entry.status === 'failed';
  return (
    <li class={`message own first pending${failed ? ' failed' : ''}`}>
      <p class="message-text">{entry.text || entry.attachments?.map((attachment) => attachment.name).join(', ')}</p>
      <p class="pending-status">
        {failed ? (
          <>
            {/* a refusal the reader can act on in their words; other server reasons in English, safe to show */}
            <span>
              {t.failed} {entry.error && describeError(entry.error)}
            </span>
            <button type="button" class="link-button" onClick={() => onRetry(entry.clientMsgId)}>
              {t.retry}
            </button>
            <button type="button" class="link-button" onClick={() => onDiscard(entry.clientMsgId)}>
              {t.discard}
            </button>
          </>
        ) : entry.status === 'queued' ? (
          t.queued
        ) : (
          t.sending
        )}
      </p>
    </li>
  );
}

