import { useLayoutEffect, useRef } from 'preact/hooks';
import type { Message } from '../../sdk';

interface MessageListProps {
  messages: readonly Message[];
  /** The signed-in user's id: their own messages are told apart. */
  myId: string;
}

// a little slack, so a reader "at the bottom" need not be at the exact pixel
const STICKY_PX = 48;

/** The room's messages, oldest first, kept scrolled to the newest unless the reader scrolled up. */
export function MessageList({ messages, myId }: MessageListProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);

  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    // one's own message always brings the view down
    if (atBottom.current || messages.at(-1)?.author.id === myId) element.scrollTop = element.scrollHeight;
  }, [messages, myId]);

  const onScroll = () => {
    const element = scroller.current;
    if (element) atBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < STICKY_PX;
  };

  return (
    <div ref={scroller} class="messages" role="log" aria-label="Messages" tabIndex={0} onScroll={onScroll}>
      {messages.length === 0 ? (
        <p class="empty">No messages yet. Say hello!</p>
      ) : (
        <ol class="message-list">
          {messages.map((message) => (
            <li key={message.seq} class={message.author.id === myId ? 'message own' : 'message'}>
              <div class="message-meta">
                <span class="message-author">{message.author.displayName}</span>
                <time dateTime={message.createdAt} title={new Date(message.createdAt).toLocaleString()}>
                  {formatTime(message.createdAt)}
                </time>
              </div>
              {/* text only: Preact escapes it, markup in a message stays text */}
              {message.deletedAt ? (
                <p class="message-text message-deleted">Message deleted</p>
              ) : (
                <p class="message-text">
                  {message.text}
                  {message.editedAt && <span class="message-edited"> (edited)</span>}
                </p>
              )}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayAndTime = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

function formatTime(iso: string): string {
  const date = new Date(iso);
  return date.toDateString() === new Date().toDateString() ? timeOfDay.format(date) : dayAndTime.format(date);
}
