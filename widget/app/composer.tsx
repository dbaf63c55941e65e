import { useEffect, useRef, useState } from 'preact/hooks';
import { focusIsLost } from './focus';
import type { Attachment, Message, PresenceUser } from '../../sdk';
import { fill, locale, plural, t } from './i18n';
import { describeError } from './store';

interface ComposerProps {
  /** True while the connection is not online, or the room takes no messages from this user (paused). */
  disabled: boolean;
  /** Slow mode's seconds between two messages, for this user (0: off, or exempt). */
  slowModeSeconds: number;
  /** Slow mode: when the next message may go (ms since the epoch; 0 or past: now). */
  nextSendAt: number;
  onSend: (text: string, attachments: Attachment[]) => Promise<void>;
  /** The message being answered, shown above the field (Cancel takes it back). */
  replyTo: Message | null;
  onCancelReply: () => void;
  /** Uploads a chosen, pasted or dropped image. */
  onUpload: (file: File) => Promise<Attachment>;
  /** Each keystroke: lets the others see "is typing". */
  onType: () => void;
  /** Opens the emoji picker: `pick` puts an emoji at the caret, `done` gives the field its focus back. */
  onEmoji: (pick: (emoji: string) => void, done: () => void) => void;
  /** Whom to suggest after an @ (the room's mention candidates). */
  suggest: (prefix: string) => PresenceUser[];
}

// the server's limit, counted as it counts: code points after normalising and trimming
const MAX_LENGTH = 4000;
const COUNTER_FROM = 3500;
const lengthOf = (text: string) => [...text.replace(/\r\n?/g, '\n').normalize('NFC').trim()].length;

/**
 * Writes and sends a message: Enter sends, Shift+Enter adds a line. The text moves to the list as pending at
 * once; only a message the server refuses for good comes back here, with the reason.
 */
export function Composer({ disabled, slowModeSeconds, nextSendAt, onSend, replyTo, onCancelReply, onUpload, onType, onEmoji, suggest }: ComposerProps) {
  const [text, setText] = useState('');
  // images for the next message: uploaded as soon as chosen, so sending does not wait for them
  const [images, setImages] = useState<Attachment[]>([]);
  const [uploading, setUploading] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const field = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  // the @ suggestions (a lazy chunk) take over the field the first time an @ is typed; without them (a failed load)
  // mentions by full name still work
  const mentions = useRef<Promise<() => void>>();
  useEffect(() => () => void mentions.current?.then((detach) => detach()), []);
  const length = lengthOf(text);
  const over = length > MAX_LENGTH;
  const wait = useCountdown(nextSendAt);

  // disabling the field dropped focus on <body>: give it back once it can be typed in again
  useEffect(() => {
    if (!disabled && focusIsLost()) field.current?.focus();
  }, [disabled]);
  // a reply was started: the field is where to write it
  useEffect(() => {
    if (replyTo) field.current?.focus();
  }, [replyTo]);

  const submit = async () => {
    if (disabled || over || (length === 0 && !images.length) || uploading || wait > 0) return;
    const sent = text;
    const attached = images;
    setText('');
    setImages([]);
    setError(null);
    try {
      await onSend(sent, attached);
    } catch (caught) {
      // give the text and images back unless something new was typed meanwhile
      setText((current) => (current === '' ? sent : current));
      setImages(attached);
      setError(describeError(caught));
    }
  };

  // at most 4 images to a message, as the server takes; its checks (type, size) answer in the error line. A paste of
  // text has no files: it goes on into the field
  const attach = (files: FileList | null | undefined) => {
    for (const file of [...(files ?? [])].slice(0, 4 - images.length)) {
      setUploading((n) => n + 1);
      onUpload(file)
        .then((image) => setImages((list) => [...list, image]), (caught: unknown) => setError(describeError(caught)))
        .finally(() => setUploading((n) => n - 1));
    }
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      void submit();
    }
  };

  const slow = slowModeSeconds > 0 || wait > 0;
  const describedBy = [error && 'composer-error', length >= COUNTER_FROM && 'composer-count', slow && 'composer-slow'].filter(Boolean).join(' ');
  return (
    <form
      class="composer"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
      onDragOver={(event) => event.preventDefault()}
      onDrop={(event) => {
        event.preventDefault();
        attach(event.dataTransfer?.files);
      }}
    >
      {error && (
        <p id="composer-error" class="composer-error" role="alert">
          {error}
        </p>
      )}
      {/* the images for the next message, by name, and one button that takes them all back */}
      {replyTo && (
        <p class="counter">
          {fill(t.replyingTo, { name: replyTo.author.displayName })}{' '}
          <button type="button" class="link-button" aria-label={t.cancelReply} onClick={onCancelReply}>
            ×
          </button>
        </p>
      )}
      {(uploading > 0 || images.length > 0) && (
        <p class="counter" role="status">
          {uploading ? t.uploading : images.map((image) => image.name).join(', ')}{' '}
          {images.length > 0 && (
            <button type="button" class="link-button" aria-label={t.removeImages} onClick={() => setImages([])}>
              ×
            </button>
          )}
        </p>
      )}
      <div class="composer-row">
        <textarea
          ref={field}
          aria-label={t.message}
          placeholder={t.placeholder}
          rows={1}
          value={text}
          disabled={disabled}
          aria-invalid={over || undefined}
          aria-describedby={describedBy || undefined}
          onInput={(event) => {
            const { value } = event.currentTarget;
            setText(value);
            setError(null);
            if (value.trim()) onType();
            if (!mentions.current && value.includes('@')) {
              mentions.current = import('./mention-list').then(({ attachMentionList }) => attachMentionList({ locale, field: field.current!, candidates: suggest }), () => () => {});
            }
          }}
          onKeyDown={onKeyDown}
          onPaste={(event) => attach(event.clipboardData?.files)}
        />
        {/* the system's file picker, opened by the button (an input in the page: some browsers open none for a detached one) */}
        <input
          ref={picker}
          type="file"
          hidden
          accept="image/png,image/jpeg,image/webp,image/gif"
          multiple
          onChange={(event) => {
            attach(event.currentTarget.files);
            event.currentTarget.value = '';
          }}
        />
        <button type="button" class="emoji-button" aria-label={t.attachImage} disabled={disabled} onClick={() => picker.current?.click()}>
          +
        </button>
        <button
          type="button"
          class="emoji-button"
          aria-label={t.insertEmoji}
          disabled={disabled}
          onClick={() => {
            const { selectionStart = 0, selectionEnd = 0 } = field.current ?? {};
            onEmoji(
              (emoji) => setText((current) => current.slice(0, selectionStart) + emoji + current.slice(selectionEnd)),
              () => field.current?.focus(),
            );
          }}
        >
          ☺
        </button>
        <button type="submit" class="primary send" disabled={disabled || over || wait > 0} aria-describedby={slow ? 'composer-slow' : undefined}>
          {t.send}
        </button>
      </div>
      {slow && (
        <p id="composer-slow" class="counter">
          {wait > 0 ? plural(t.slowModeWait, wait) : plural(t.slowMode, slowModeSeconds)}
        </p>
      )}
      {length >= COUNTER_FROM && (
        <p id="composer-count" class={over ? 'counter over' : 'counter'}>
          {over ? plural(t.charactersOver, length - MAX_LENGTH) : plural(t.charactersLeft, MAX_LENGTH - length)}
        </p>
      )}
    </form>
  );
}

/** Whole seconds until `until` (rounded up), counting down once a second; 0 once it has passed. */
function useCountdown(until: number): number {
  const left = () => Math.max(0, Math.ceil((until - Date.now()) / 1000));
  const [seconds, setSeconds] = useState(left);
  useEffect(() => {
    setSeconds(left());
    if (until <= Date.now()) return;
    const timer = setInterval(() => {
      const now = left();
      setSeconds(now);
      if (now === 0) clearInterval(timer);
    }, 250);
    return () => clearInterval(timer);
  }, [until]);
  return seconds;
}
