import { useEffect, useRef, useState } from 'preact/hooks';
import type { ConsoleSecretResponse, RotateSecretRequest } from '../../sdk/protocol';
import { callApi, type Failure, failureOf } from '../api';
import { Field } from '../field';
import { fill, pick } from '../i18n';
import { installPageStrings } from '../strings/install';
import type { ConsoleSite, PageProps } from './page';

type InstallStrings = (typeof installPageStrings)['en'];
type Position = 'right' | 'left';
type Locale = 'auto' | 'en' | 'es' | 'zh';
type Launcher = 'visible' | 'hidden';

/** What the form chooses. Each default is the loader's own, and an option at its default stays out of the tag. */
interface TagOptions {
  position: Position;
  accent: string;
  locale: Locale;
  title: string;
  launcher: Launcher;
  open: boolean;
}

const DEFAULTS: TagOptions = { position: 'right', accent: '#4f46e5', locale: 'auto', title: '', launcher: 'visible', open: false };
// each language in its own words, as pickers usually show them
const LANGUAGES: ReadonlyArray<[Exclude<Locale, 'auto'>, string]> = [
  ['en', 'English'],
  ['es', 'Español'],
  ['zh', '中文'],
];
const ACCENT = /^#(?:[0-9a-f]{3}){1,2}$/i;
const TITLE_MAX = 80;
// the preview reloads once typing pauses, not on every key
const PREVIEW_DELAY_MS = 400;

/** The data-* attributes (names without `data-`) that differ from the loader's defaults, in the documented order. */
function attributesOf(siteId: string, options: TagOptions): Array<[string, string]> {
  const title = options.title.trim();
  const accent = options.accent.toLowerCase();
  const chosen: Array<[string, string | false]> = [
    ['site', siteId],
    ['position', options.position !== DEFAULTS.position && options.position],
    ['accent', accent !== DEFAULTS.accent && accent],
    ['locale', options.locale !== 'auto' && options.locale],
    ['title', title !== '' && title],
    ['launcher', options.launcher !== DEFAULTS.launcher && options.launcher],
    ['open', options.open && 'true'],
  ];
  return chosen.flatMap(([name, value]): Array<[string, string]> => (value === false ? [] : [[name, value]]));
}

const escapeAttribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The one tag to paste: `<script src="https://chat.example.com/widget.js" data-site="acme" async></script>`. */
function loaderTag(origin: string, siteId: string, options: TagOptions): string {
  const data = attributesOf(siteId, options).map(([name, value]) => ` data-${name}="${escapeAttribute(value)}"`);
  return `<script src="${origin}/widget.js"${data.join('')} async></script>`;
}

/** The backend's page holding that tag (server/http/console-assets.ts), on our origin, which every site's chat accepts. */
const previewUrl = (siteId: string, options: TagOptions) => `/console/preview?${new URLSearchParams(attributesOf(siteId, options)).toString()}`;

/** WCAG contrast of white (the launcher's icon) on the colour. */
function contrastWithWhite(hex: string): number {
  const full = hex.length === 4 ? `#${[...hex.slice(1)].map((digit) => digit + digit).join('')}` : hex;
  const [r = 0, g = 0, b = 0] = [1, 3, 5].map((at) => {
    const channel = parseInt(full.slice(at, at + 2), 16) / 255;
    return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  });
  return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05);
}

/** Node: an HS256 identity token with nothing but node:crypto (what docs/embedding.md signs with jose). */
function nodeSnippet(secret: string, s: InstallStrings): string {
  return [
    `// ${s.serverOnly}: PARLEY_IDENTITY_SECRET=${secret}`,
    "import { createHmac } from 'node:crypto';",
    '',
    "const base64url = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');",
    '',
    `// ${s.tokenComment}`,
    'export function parleyToken(user) {',
    '  const now = Math.floor(Date.now() / 1000);',
    "  const header = base64url({ alg: 'HS256', typ: 'JWT' });",
    '  const claims = base64url({ sub: String(user.id), name: user.name, iat: now, exp: now + 3600 });',
    "  const signature = createHmac('sha256', process.env.PARLEY_IDENTITY_SECRET).update(`${header}.${claims}`).digest('base64url');",
    '  return `${header}.${claims}.${signature}`;',
    '}',
  ].join('\n');
}

/** Python: the same token with the standard library's hmac. */
function pythonSnippet(secret: string, s: InstallStrings): string {
  return [
    `# ${s.serverOnly}: PARLEY_IDENTITY_SECRET=${secret}`,
    'import base64, hashlib, hmac, json, os, time',
    '',
    'def _base64url(data: bytes) -> str:',
    '    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()',
    '',
    `# ${s.tokenComment}`,
    'def parley_token(user_id, name: str) -> str:',
    '    now = int(time.time())',
    '    header = _base64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())',
    '    claims = _base64url(json.dumps({"sub": str(user_id), "name": name, "iat": now, "exp": now + 3600}).encode())',
    '    secret = os.environ["PARLEY_IDENTITY_SECRET"].encode()',
    '    signature = hmac.new(secret, f"{header}.{claims}".encode(), hashlib.sha256).digest()',
    '    return f"{header}.{claims}.{_base64url(signature)}"',
  ].join('\n');
}

/** The tag with its options and a live preview (owners and admins); signing users in, and the secret (owners). */
export function InstallPage({ site }: PageProps) {
  return (
    <>
      <TagSection site={site} />
      <IdentitySection site={site} />
    </>
  );
}

function TagSection({ site }: { site: ConsoleSite }) {
  const s = pick(installPageStrings);
  const [options, setOptions] = useState<TagOptions>(DEFAULTS);
  const [accentDraft, setAccentDraft] = useState(DEFAULTS.accent);
  const frame = useRef<HTMLIFrameElement>(null);
  const tag = loaderTag(location.origin, site.id, options);
  const url = previewUrl(site.id, options);
  const [shownUrl, setShownUrl] = useState(url);
  useEffect(() => {
    const timer = setTimeout(() => setShownUrl(url), PREVIEW_DELAY_MS);
    return () => clearTimeout(timer);
  }, [url]);
  const change = (next: Partial<TagOptions>) => setOptions({ ...options, ...next });
  const setAccent = (value: string) => {
    setAccentDraft(value);
    if (ACCENT.test(value)) change({ accent: value.toLowerCase() });
  };
  const accentValid = ACCENT.test(accentDraft);
  const lowContrast = contrastWithWhite(options.accent) < 3;
  // the color input takes #rrggbb only
  const accentFull = options.accent.length === 4 ? `#${[...options.accent.slice(1)].map((digit) => digit + digit).join('')}` : options.accent;
  return (
    <section class="card install" aria-labelledby="install-title">
      <h2 id="install-title">{s.tagTitle}</h2>
      <p class="hint">{s.tagHint}</p>
      <div class="install-grid">
        <div class="install-options">
          <Choice name="install-position" legend={s.position} value={options.position} options={[['right', s.positions.right], ['left', s.positions.left]]} onChange={(position) => change({ position })} />
          <div class="field">
            <label for="install-accent">{s.accent}</label>
            <div class="install-accent">
              <input id="install-accent" type="color" value={accentFull} aria-describedby="install-accent-hint" onInput={(event) => setAccent((event.currentTarget as HTMLInputElement).value)} />
              <input
                id="install-accent-hex"
                type="text"
                value={accentDraft}
                maxLength={7}
                spellcheck={false}
                aria-label={s.accentHex}
                aria-invalid={accentValid ? undefined : true}
                aria-describedby="install-accent-hint"
                onInput={(event) => setAccent((event.currentTarget as HTMLInputElement).value.trim())}
              />
            </div>
            <p id="install-accent-hint" class={lowContrast || !accentValid ? 'error' : 'hint'}>
              {!accentValid ? s.accentInvalid : lowContrast ? s.lowContrast : s.accentHint}
            </p>
          </div>
          <div class="field">
            <label for="install-locale">{s.locale}</label>
            <select id="install-locale" value={options.locale} onChange={(event) => change({ locale: (event.currentTarget as HTMLSelectElement).value as Locale })}>
              <option value="auto">{s.localeAuto}</option>
              {LANGUAGES.map(([code, name]) => (
                <option key={code} value={code} lang={code}>
                  {name}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="install-title-field">{s.title}</label>
            <input
              id="install-title-field"
              type="text"
              value={options.title}
              maxLength={TITLE_MAX}
              aria-describedby="install-title-hint"
              onInput={(event) => change({ title: (event.currentTarget as HTMLInputElement).value })}
            />
            <p id="install-title-hint" class="hint">
              {s.titleHint}
            </p>
          </div>
          <Choice name="install-launcher" legend={s.launcher} value={options.launcher} options={[['visible', s.launchers.visible], ['hidden', s.launchers.hidden]]} onChange={(launcher) => change({ launcher })} />
          <div class="check">
            <input id="install-open" type="checkbox" checked={options.open} onChange={(event) => change({ open: (event.currentTarget as HTMLInputElement).checked })} />
            <label for="install-open">{s.openOnLoad}</label>
          </div>
        </div>
        <div class="install-output">
          <h3>{s.tag}</h3>
          <pre class="snippet">
            <code id="install-tag">{tag}</code>
          </pre>
          <CopyButton text={tag} label={s.copyTag} />
          <h3>{s.preview}</h3>
          <p class="hint">{s.previewHint}</p>
          <button type="button" class="secondary" onClick={() => frame.current?.contentWindow?.Parley?.('open')}>
            {s.openPreview}
          </button>
        </div>
      </div>
      <iframe ref={frame} class="install-preview" src={shownUrl} title={s.previewFrame} />
    </section>
  );
}

function Choice<T extends string>({ name, legend, value, options, onChange }: { name: string; legend: string; value: T; options: ReadonlyArray<[T, string]>; onChange: (value: T) => void }) {
  return (
    <fieldset class="install-choice">
      <legend>{legend}</legend>
      {options.map(([each, label]) => (
        <div class="check" key={each}>
          <input type="radio" id={`${name}-${each}`} name={name} value={each} checked={value === each} onChange={() => onChange(each)} />
          <label for={`${name}-${each}`}>{label}</label>
        </div>
      ))}
    </fieldset>
  );
}

/** Copies `text`, and says whether it worked. */
function CopyButton({ text, label }: { text: string; label: string }) {
  const s = pick(installPageStrings);
  const [outcome, setOutcome] = useState<'copied' | 'failed' | null>(null);
  // a new text has not been copied yet
  useEffect(() => setOutcome(null), [text]);
  const copy = () =>
    // no clipboard outside a secure context: the same "select it yourself" as a refusal
    Promise.resolve()
      .then(() => navigator.clipboard.writeText(text))
      .then(
        () => setOutcome('copied'),
        () => setOutcome('failed'),
      );
  return (
    <div class="install-copy">
      <button type="button" class="secondary" onClick={() => void copy()}>
        {label}
      </button>
      {outcome === 'copied' && <p role="status">{s.copied}</p>}
      {outcome === 'failed' && (
        <p class="error" role="alert">
          {s.copyFailed}
        </p>
      )}
    </div>
  );
}

/** Identity tokens from the site's own server: the code for Node and Python, the secret on demand (owners), rotation. */
function IdentitySection({ site }: { site: ConsoleSite }) {
  const s = pick(installPageStrings);
  const owner = site.role === 'owner';
  const [secret, setSecret] = useState<string | null>(null);
  const [shown, setShown] = useState(false);
  const [rotating, setRotating] = useState(false);
  const [rotated, setRotated] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const rotateButton = useRef<HTMLButtonElement>(null);
  const path = `/api/console/sites/${encodeURIComponent(site.id)}/secret`;
  const visible = shown && secret !== null ? secret : `<${s.hidden}>`;
  const node = nodeSnippet(visible, s);
  const python = pythonSnippet(visible, s);

  const toggle = async () => {
    setFailure(null);
    if (shown) return setShown(false);
    try {
      // read once: each read is in the moderation log
      if (secret === null) setSecret((await callApi<ConsoleSecretResponse>('GET', path)).secret);
      setShown(true);
    } catch (error) {
      setFailure(failureOf(error));
    }
  };
  const closeRotate = () => {
    setRotating(false);
    rotateButton.current?.focus();
  };

  return (
    <section class="card install" aria-labelledby="identity-title">
      <h2 id="identity-title">{s.identityTitle}</h2>
      <p>{s.identityHint}</p>
      <p class="secret">
        {s.secret}: <code id="identity-secret">{visible}</code>
      </p>
      {owner ? (
        <div class="actions">
          <button type="button" class="secondary" aria-controls="identity-secret" onClick={() => void toggle()}>
            {shown ? s.hideSecret : s.showSecret}
          </button>
          <button
            ref={rotateButton}
            type="button"
            class="secondary"
            aria-expanded={rotating}
            onClick={() => {
              setRotated(false);
              setRotating(!rotating);
            }}
          >
            {s.rotate}
          </button>
        </div>
      ) : (
        <p class="hint">{s.ownersOnly}</p>
      )}
      {failure && (
        <p class="error" role="alert">
          {failure.message}
        </p>
      )}
      {rotated && <p role="status">{s.rotated}</p>}
      {rotating && (
        <RotateSecret
          site={site}
          path={path}
          onCancel={closeRotate}
          onRotated={(next) => {
            setSecret(next);
            setShown(true);
            setRotated(true);
            closeRotate();
          }}
        />
      )}
      <h3>{s.node}</h3>
      <pre class="snippet">
        <code>{node}</code>
      </pre>
      <CopyButton text={node} label={s.copyNode} />
      <h3>{s.python}</h3>
      <pre class="snippet">
        <code>{python}</code>
      </pre>
      <CopyButton text={python} label={s.copyPython} />
      <p>{s.useToken}</p>
    </section>
  );
}

/** The confirmation: what a new secret breaks and what it keeps, and the site id typed again. */
function RotateSecret({ site, path, onRotated, onCancel }: { site: ConsoleSite; path: string; onRotated: (secret: string) => void; onCancel: () => void }) {
  const s = pick(installPageStrings);
  const [confirm, setConfirm] = useState('');
  const [failure, setFailure] = useState<Failure | null>(null);
  useEffect(() => document.getElementById('rotate-confirm')?.focus(), []);
  const submit = async (event: Event) => {
    event.preventDefault();
    setFailure(null);
    try {
      onRotated((await callApi<ConsoleSecretResponse>('POST', path, { confirm } satisfies RotateSecretRequest)).secret);
    } catch (error) {
      setFailure(failureOf(error));
    }
  };
  return (
    <form class="danger" noValidate onSubmit={submit} aria-labelledby="rotate-title" onKeyDown={(event) => event.key === 'Escape' && onCancel()}>
      <h3 id="rotate-title">{fill(s.rotateTitle, { site: site.name })}</h3>
      <ul class="install-breaks">
        <li>{s.rotateBreaks}</li>
        <li>{s.rotateKeeps}</li>
      </ul>
      <Field id="rotate-confirm" label={s.confirmId} value={confirm} onInput={setConfirm} error={failure?.message} />
      <div class="actions">
        <button type="submit" class="danger-button" disabled={confirm !== site.id}>
          {s.rotateButton}
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          {s.cancel}
        </button>
      </div>
    </form>
  );
}
