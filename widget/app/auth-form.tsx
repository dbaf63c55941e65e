import { useEffect, useRef, useState } from 'preact/hooks';
import { ChatError } from '../../sdk';
import { focusIsLost } from './focus';
import { locale, t } from './i18n';
import { describeError, type ChatStore } from './store';
import { TextField } from './text-field';

// the forms' strings live here, in their lazy chunk, not in the app's catalogs (app.js stays within its budget)
const formStrings = {
  en: {
    account: 'Account',
    signIn: 'Sign in',
    createAccount: 'Create account',
    username: 'Username',
    usernameHint: '3–32 letters, digits, _ . or -',
    displayName: 'Display name',
    displayNameHint: 'How others see you in the chat.',
    password: 'Password',
    passwordHint: 'At least 8 characters.',
    logIn: 'Log in',
    guestTab: 'Guest',
    guestHint: 'No account needed: pick the name others will see.',
    joinAsGuest: 'Chat as a guest',
  },
  es: {
    account: 'Cuenta',
    signIn: 'Entrar',
    createAccount: 'Crear cuenta',
    username: 'Nombre de usuario',
    usernameHint: '3–32 letras, dígitos, _ . o -',
    displayName: 'Nombre visible',
    displayNameHint: 'Cómo te ven los demás en el chat.',
    password: 'Contraseña',
    passwordHint: 'Al menos 8 caracteres.',
    logIn: 'Iniciar sesión',
    guestTab: 'Invitado',
    guestHint: 'Sin cuenta: elige el nombre que verán los demás.',
    joinAsGuest: 'Chatear como invitado',
  },
  zh: {
    account: '账户',
    signIn: '登录',
    createAccount: '创建账户',
    username: '用户名',
    usernameHint: '3–32 个字母、数字、_ . 或 -',
    displayName: '显示名称',
    displayNameHint: '其他人在聊天中看到的名字。',
    password: '密码',
    passwordHint: '至少 8 个字符。',
    logIn: '登录',
    guestTab: '访客',
    guestHint: '无需账号：选择其他人看到的名字。',
    joinAsGuest: '以访客身份聊天',
  },
};
/** The forms' strings in the app's language. */
const f = formStrings[locale.split('-')[0] as keyof typeof formStrings] ?? formStrings.en;

// the forms' own styles, loaded with them (a constructed sheet: the app page's CSP takes no inline styles); what
// they share with the composer stays in app.css
const sheet = new CSSStyleSheet();
sheet.replaceSync(`.tabs{display:flex;gap:4px;padding:4px;margin-bottom:18px;border-radius:12px;background:var(--raised)}
.tab{flex:1;height:36px;border:0;border-radius:9px;background:0 0;color:var(--muted);font-weight:600}
.tab[aria-selected=true]{background:var(--surface);color:var(--accent-ink);box-shadow:0 1px 3px rgb(15 23 42/.15)}
.field{margin-bottom:14px}.field label{display:block;margin-bottom:5px;font-size:14px;font-weight:600}
.field input{height:42px;padding:0 12px}.field input[aria-invalid=true]{border-color:var(--danger)}
.auth-form .primary{width:100%;margin-top:4px}`);
document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];

type Mode = 'login' | 'register' | 'guest';
type FieldName = 'username' | 'displayName' | 'password';

const allTabs: ReadonlyArray<{ mode: Mode; label: () => string }> = [
  { mode: 'login', label: () => f.signIn },
  { mode: 'register', label: () => f.createAccount },
  { mode: 'guest', label: () => f.guestTab },
];

interface AuthFormProps {
  store: ChatStore;
  /** Why the user is here again, e.g. an ended session. */
  notice: string | null;
  /** The site lets visitors chat as guests: a third tab. */
  guests: boolean;
}

/**
 * Sign in, create an account or (where the site allows it) chat as a guest; server errors are shown next to the
 * field they are about. A lazy chunk: visitors whose session is restored never load it.
 */
export function AuthForm({ store, notice, guests }: AuthFormProps) {
  const tabs = guests ? allTabs : allTabs.slice(0, 2);
  const [mode, setMode] = useState<Mode>('login');
  const [values, setValues] = useState<Record<FieldName, string>>({ username: '', displayName: '', password: '' });
  const [error, setError] = useState<{ message: string; field?: FieldName } | null>(null);
  const [busy, setBusy] = useState(false);
  const fields = {
    username: useRef<HTMLInputElement>(null),
    displayName: useRef<HTMLInputElement>(null),
    password: useRef<HTMLInputElement>(null),
  };
  const tabRefs = useRef<Array<HTMLButtonElement | null>>([]);

  // arriving here (start, log out) left focus nowhere: start at the first field, unless the user is busy elsewhere
  useEffect(() => {
    if (focusIsLost()) fields.username.current?.focus();
  }, []);

  // move the user to what needs fixing
  useEffect(() => {
    if (error?.field) fields[error.field].current?.focus();
  }, [error]);

  const update = (field: FieldName) => (value: string) => setValues((previous) => ({ ...previous, [field]: value }));

  const choose = (next: Mode) => {
    setMode(next);
    setError(null);
  };

  const onTabKeyDown = (event: KeyboardEvent, index: number) => {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    event.preventDefault();
    const next = (index + step + tabs.length) % tabs.length;
    choose(tabs[next]!.mode);
    tabRefs.current[next]?.focus();
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      if (mode === 'login') await store.login({ username: values.username, password: values.password });
      else if (mode === 'guest') await store.guest(values.displayName);
      else await store.register(values);
      // success: the store switches to the room and this form unmounts
    } catch (caught) {
      const field = caught instanceof ChatError ? fieldIn(mode, caught.field) : undefined;
      setError({ message: describeError(caught), field });
      setBusy(false);
    }
  };

  const fieldError = (field: FieldName) => (error?.field === field ? error.message : undefined);
  const formError = error && !error.field ? error.message : null;

  return (
    <div class="auth">
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <div class="tabs" role="tablist" aria-label={f.account}>
        {tabs.map((tab, index) => (
          <button
            key={tab.mode}
            ref={(element) => void (tabRefs.current[index] = element)}
            type="button"
            role="tab"
            id={`tab-${tab.mode}`}
            class="tab"
            aria-selected={mode === tab.mode}
            aria-controls="auth-panel"
            tabIndex={mode === tab.mode ? 0 : -1}
            onClick={() => choose(tab.mode)}
            onKeyDown={(event) => onTabKeyDown(event, index)}
          >
            {tab.label()}
          </button>
        ))}
      </div>
      <div id="auth-panel" role="tabpanel" aria-labelledby={`tab-${mode}`}>
        {/* server rules decide what is valid; the browser's bubbles would hide their messages */}
        <form class="auth-form" noValidate onSubmit={submit}>
          {mode !== 'guest' && (
            <TextField
              id="username"
              label={f.username}
              value={values.username}
              onInput={update('username')}
              autoComplete="username"
              error={fieldError('username')}
              inputRef={fields.username}
              hint={mode === 'register' ? f.usernameHint : undefined}
            />
          )}
          {mode !== 'login' && (
            <TextField
              id="displayName"
              label={f.displayName}
              value={values.displayName}
              onInput={update('displayName')}
              autoComplete="nickname"
              autoCapitalize="words"
              hint={mode === 'guest' ? f.guestHint : f.displayNameHint}
              error={fieldError('displayName')}
              inputRef={fields.displayName}
            />
          )}
          {mode !== 'guest' && (
            <TextField
              id="password"
              label={f.password}
              type="password"
              value={values.password}
              onInput={update('password')}
              autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
              error={fieldError('password')}
              inputRef={fields.password}
              hint={mode === 'register' ? f.passwordHint : undefined}
            />
          )}
          {formError && (
            <p class="form-error" role="alert">
              {formError}
            </p>
          )}
          <button type="submit" class="primary" aria-disabled={busy}>
            {mode === 'login' ? f.logIn : mode === 'guest' ? f.joinAsGuest : t.register}
          </button>
        </form>
      </div>
    </div>
  );
}

function fieldIn(mode: Mode, field: string | undefined): FieldName | undefined {
  if (field === 'displayName') return mode === 'login' ? undefined : field;
  if (field === 'username' || field === 'password') return mode === 'guest' ? undefined : field;
  return undefined;
}
