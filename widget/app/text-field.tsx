import type { Ref } from 'preact';

interface TextFieldProps {
  id: string;
  label: string;
  value: string;
  onInput: (value: string) => void;
  type?: 'text' | 'password';
  autoComplete: string;
  autoCapitalize?: 'off' | 'words';
  hint?: string;
  error?: string;
  inputRef?: Ref<HTMLInputElement>;
}

/** A labelled input whose hint and error are announced with it. */
export function TextField(props: TextFieldProps) {
  const { id, label, value, onInput, type = 'text', autoComplete, autoCapitalize = 'off', hint, error, inputRef } = props;
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [error && errorId, hint && hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        ref={inputRef}
        id={id}
        name={id}
        type={type}
        value={value}
        onInput={(event) => onInput(event.currentTarget.value)}
        autoComplete={autoComplete}
        autoCapitalize={autoCapitalize}
        spellcheck={false}
        required
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
      />
      {hint && (
        <p id={hintId} class="field-hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} class="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
