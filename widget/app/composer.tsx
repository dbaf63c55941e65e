import { useEffect, useRef, useState } from 'preact/hooks';
import { focusIsLost } from './focus';
import { describeError } from './store';

interface ComposerProps {
  /** True while the connection is not online. */
  disabled: boolean;
  onSend: (text: string) => Promise<void>;
  /** Each keystroke: lets the others see "is typing". */
  onType: () => void;
}

/** Writes and sends a message: Enter sends, Shift+Enter adds a line; a failed send keeps the text. */
export function Composer({ disabled, onSend, onType }: ComposerProps) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const sending = useRef(false);
  const field = useRef<HTMLTextAreaElement>(null);

  // disabling the field dropped focus on <body>: give it back once it can be typed in again
  useEffect(() => {
    if (!disabled && focusIsLost()) field.current?.focus();
  }, [disabled]);

  const submit = async () => {
    if (disabled || sending.current || text.trim() === '') return;
    const sent = text;
    sending.current = true;
    setError(null);
    try {
      await onSend(sent);
      // keep anything typed while the send was in flight
      setText((current) => (current === sent ? '' : current));
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      sending.current = false;
    }
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      void submit();
    }
  };

  return (
    <form
      class="composer"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      {error && (
        <p id="composer-error" class="composer-error" role="alert">
          {error}
        </p>
      )}
      <div class="composer-row">
        <textarea
          ref={field}
          aria-label="Message"
          placeholder="Write a message…"
          rows={1}
          value={text}
          disabled={disabled}
          aria-describedby={error ? 'composer-error' : undefined}
          onInput={(event) => {
            setText(event.currentTarget.value);
            setError(null);
            if (event.currentTarget.value.trim()) onType();
          }}
          onKeyDown={onKeyDown}
        />
        <button type="submit" class="primary send" disabled={disabled}>
          Send
        </button>
      </div>
    </form>
  );
}
