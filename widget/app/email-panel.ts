// Email for when the user is away: a lazy chunk of its own, loaded the first time someone opens it from the header.
// Plain DOM with its strings in all three languages and its own style sheet, so it imports nothing from app.js
// (test/unit/bundle-size.test.ts keeps chunks that way). A modal <dialog>: the browser keeps focus inside it, Escape
// closes it and focus returns to the header's button.

import type { EmailSettings } from '../../sdk';

interface EmailStrings {
  title: string;
  close: string;
  intro: string;
  unavailable: string;
  address: string;
  send: string;
  sent: (address: string) => string;
  current: (address: string) => string;
  fromSite: (address: string) => string;
  notify: string;
  remove: string;
  saved: string;
}

const strings: Record<'en' | 'es' | 'zh', EmailStrings> = {
  en: {
    title: 'Email notifications',
    close: 'Close',
    intro: 'Get one email when someone mentions you or replies to you while you are away.',
    unavailable: 'This chat does not send email.',
    address: 'Email address',
    send: 'Send confirmation link',
    sent: (address) => `We sent a link to ${address}. Follow it to confirm the address.`,
    current: (address) => `Emails go to ${address}.`,
    fromSite: (address) => `Emails go to ${address}, the address this site knows you by.`,
    notify: 'Email me when I am mentioned or replied to while away',
    remove: 'Remove address',
    saved: 'Saved.',
  },
  es: {
    title: 'Avisos por correo',
    close: 'Cerrar',
    intro: 'Recibe un correo cuando alguien te mencione o te responda mientras no estás.',
    unavailable: 'Este chat no envía correos.',
    address: 'Dirección de correo',
    send: 'Enviar enlace de confirmación',
    sent: (address) => `Enviamos un enlace a ${address}. Síguelo para confirmar la dirección.`,
    current: (address) => `Los correos van a ${address}.`,
    fromSite: (address) => `Los correos van a ${address}, la dirección con la que este sitio te conoce.`,
    notify: 'Avísame por correo cuando me mencionen o me respondan mientras no estoy',
    remove: 'Quitar dirección',
    saved: 'Guardado.',
  },
  zh: {
    title: '邮件通知',
    close: '关闭',
    intro: '当你不在时有人提到或回复你，你会收到一封邮件。',
    unavailable: '此聊天不发送邮件。',
    address: '邮箱地址',
    send: '发送确认链接',
    sent: (address) => `我们已向 ${address} 发送了一个链接。打开它以确认地址。`,
    current: (address) => `邮件将发送到 ${address}。`,
    fromSite: (address) => `邮件将发送到 ${address}，即此网站所知的你的地址。`,
    notify: '当我不在时被提到或回复，给我发邮件',
    remove: '移除地址',
    saved: '已保存。',
  },
};

const CSS = `.email-panel{width:min(400px,calc(100vw - 16px));max-height:calc(100vh - 16px);padding:12px;border:0;border-radius:12px;background:var(--surface);color:inherit}
.email-panel::backdrop{background:rgb(0 0 0/.5)}
.email-panel header{display:flex;gap:8px;align-items:center;justify-content:space-between}
.email-panel h2{margin:0;font-size:16px}
.email-panel form{display:flex;flex-direction:column;gap:6px;margin:8px 0}
.email-panel label{display:flex;gap:8px;align-items:flex-start;margin:8px 0}
.email-panel form label{margin:0}
.email-panel p{margin:8px 0;overflow-wrap:anywhere}`;
let sheet: CSSStyleSheet | undefined;

export interface EmailPanelOptions {
  /** The app's locale (BCP 47): its language's strings. */
  locale: string;
  /** The signed-in user's email settings, and the calls that change them (the SDK's). */
  settings: () => Promise<EmailSettings>;
  setEmail: (address: string) => Promise<EmailSettings>;
  setNotify: (notify: boolean) => Promise<EmailSettings>;
  remove: () => Promise<EmailSettings>;
  /** Escape or Close. */
  onClose: () => void;
  /** A refusal or failure in the reader's words. */
  describeError: (error: unknown) => string;
}

/** A new element with these properties (`textContent`, `type`, `ariaLabel`…) and children. */
const element = <K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, unknown> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] => {
  const made = Object.assign(document.createElement(tag), props);
  made.append(...children);
  return made;
};

/** Shows the email settings in a modal dialog in `host`; the function it answers removes it. */
export function mountEmailPanel(host: HTMLElement, options: EmailPanelOptions): () => void {
  const { locale, onClose, describeError } = options;
  const text = strings[locale.split('-')[0] as keyof typeof strings] ?? strings.en;
  if ('adoptedStyleSheets' in document && !sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  }
  const close = element('button', { type: 'button', className: 'secondary', textContent: text.close });
  const state = element('p');
  const status = element('p', { role: 'status' });
  const field = element('input', { type: 'email', id: 'email-address', required: true, maxLength: 254, autocomplete: 'email' });
  const form = element(
    'form',
    {},
    element('label', { htmlFor: 'email-address', textContent: text.address }),
    field,
    element('button', { type: 'submit', className: 'primary', textContent: text.send }),
  );
  const notify = element('input', { type: 'checkbox' });
  const notifyLabel = element('label', {}, notify, text.notify);
  const remove = element('button', { type: 'button', className: 'secondary', textContent: text.remove });
  const body = element('div', {}, element('p', { textContent: text.intro }), state, form, notifyLabel, remove);
  const dialog = element('dialog', { className: 'email-panel' }, element('header', {}, element('h2', { id: 'email-title', textContent: text.title }), close), body, status);
  dialog.setAttribute('aria-labelledby', 'email-title');

  const show = (settings: EmailSettings) => {
    const { available, address, pending, fromSite } = settings;
    body.hidden = !available && !address;
    if (!available) status.textContent = text.unavailable;
    state.textContent = pending ? text.sent(pending) : address ? (fromSite ? text.fromSite : text.current)(address) : '';
    state.hidden = !state.textContent;
    form.hidden = !!fromSite || !available;
    notifyLabel.hidden = !address && !pending;
    notify.checked = settings.notify;
    remove.hidden = !!fromSite || (!address && !pending);
  };
  // one change at a time; its answer is shown, or why it failed
  const change = async (call: () => Promise<EmailSettings>, saved = '') => {
    try {
      show(await call());
      status.textContent = saved;
    } catch (caught) {
      status.textContent = describeError(caught);
    }
  };

  form.onsubmit = (event) => {
    event.preventDefault();
    void change(() => options.setEmail(field.value.trim())).then(() => {
      field.value = '';
    });
  };
  notify.onchange = () => void change(() => options.setNotify(notify.checked), text.saved);
  remove.onclick = () => void change(options.remove).then(() => field.focus());
  close.onclick = () => dialog.close();
  // Escape, Close, or a click on the backdrop; Escape is handled here, and marked so, or the app would also close the
  // whole panel
  dialog.addEventListener('close', onClose);
  dialog.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape') return;
    event.preventDefault();
    dialog.close();
  });
  dialog.addEventListener('click', ({ target, clientX: x, clientY: y }) => {
    const box = dialog.getBoundingClientRect();
    if (target === dialog && (x < box.left || x > box.right || y < box.top || y > box.bottom)) dialog.close();
  });
  body.hidden = true;
  host.append(dialog);
  dialog.showModal();
  close.focus();
  void change(options.settings).then(() => (form.hidden ? close : field).focus());
  return () => {
    dialog.removeEventListener('close', onClose);
    if (dialog.open) dialog.close();
    dialog.remove();
  };
}
