// The user's account: email for when they are away, and their data (download it, delete the account). A lazy chunk
// of its own, loaded the first time someone opens it from the header. Plain DOM with its strings in all three languages and its own style sheet, so it imports nothing from app.js
// (test/unit/bundle-size.test.ts keeps chunks that way). A modal <dialog>: the browser keeps focus inside it, Escape
// closes it and focus returns to the header's button.

import type { DataExport, EmailSettings, Role } from '../../sdk';

interface AccountStrings {
  title: string;
  close: string;
  emailTitle: string;
  dataTitle: string;
  download: string;
  downloaded: string;
  deleteIntro: string;
  password: string;
  deleteAccount: string;
  confirmDelete: string;
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

const strings: Record<'en' | 'es' | 'zh', AccountStrings> = {
  en: {
    title: 'Your account',
    close: 'Close',
    emailTitle: 'Email notifications',
    dataTitle: 'Your data',
    download: 'Download my data',
    downloaded: 'Your data was downloaded as a JSON file.',
    deleteIntro: 'Deleting your account removes your messages’ text, your images and your name for good.',
    password: 'Your password',
    deleteAccount: 'Delete my account',
    confirmDelete: 'Delete your account for good? This cannot be undone.',
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
    title: 'Tu cuenta',
    close: 'Cerrar',
    emailTitle: 'Avisos por correo',
    dataTitle: 'Tus datos',
    download: 'Descargar mis datos',
    downloaded: 'Tus datos se descargaron en un archivo JSON.',
    deleteIntro: 'Eliminar tu cuenta borra para siempre el texto de tus mensajes, tus imágenes y tu nombre.',
    password: 'Tu contraseña',
    deleteAccount: 'Eliminar mi cuenta',
    confirmDelete: '¿Eliminar tu cuenta para siempre? No se puede deshacer.',
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
    title: '你的账户',
    close: '关闭',
    emailTitle: '邮件通知',
    dataTitle: '你的数据',
    download: '下载我的数据',
    downloaded: '你的数据已下载为 JSON 文件。',
    deleteIntro: '删除账户会永久清除你消息的文字、你的图片和你的名字。',
    password: '你的密码',
    deleteAccount: '删除我的账户',
    confirmDelete: '永久删除你的账户？此操作无法撤销。',
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

const CSS = `.account-panel{width:min(400px,calc(100vw - 16px));max-height:calc(100vh - 16px);padding:12px;border:0;border-radius:12px;background:var(--surface);color:inherit}
.account-panel::backdrop{background:rgb(0 0 0/.5)}
.account-panel header{display:flex;gap:8px;align-items:center;justify-content:space-between}
.account-panel h2{margin:0;font-size:16px}
.account-panel h3{margin:12px 0 0;font-size:14px}
.account-panel form{display:flex;flex-direction:column;gap:6px;margin:8px 0}
.account-panel label{display:flex;gap:8px;align-items:flex-start;margin:8px 0}
.account-panel form label{margin:0}
.account-panel p{margin:8px 0;overflow-wrap:anywhere}`;
let sheet: CSSStyleSheet | undefined;

export interface AccountPanelOptions {
  /** The app's locale (BCP 47): its language's strings. */
  locale: string;
  /** The signed-in user's rank: guests have no email and no password. */
  role: Role;
  /** The signed-in user's email settings, and the calls that change them (the SDK's). */
  settings: () => Promise<EmailSettings>;
  setEmail: (address: string) => Promise<EmailSettings>;
  setNotify: (notify: boolean) => Promise<EmailSettings>;
  remove: () => Promise<EmailSettings>;
  /** The user's data, and deleting their account (with their password, for a member). */
  exportData: () => Promise<DataExport>;
  deleteAccount: (password: string | undefined) => Promise<void>;
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

/** Shows the account in a modal dialog in `host`; the function it answers removes it. */
export function mountAccountPanel(host: HTMLElement, options: AccountPanelOptions): () => void {
  const { locale, role, onClose, describeError } = options;
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
  const body = element('div', {}, element('h3', { textContent: text.emailTitle }), element('p', { textContent: text.intro }), state, form, notifyLabel, remove);
  // the user's data: a download, and the account's deletion (a member confirms with their password)
  const download = element('button', { type: 'button', className: 'secondary', textContent: text.download });
  const password = element('input', { type: 'password', id: 'account-password', autocomplete: 'current-password', required: true });
  const passwordLabel = element('label', { htmlFor: 'account-password', textContent: text.password });
  const erase = element('form', {}, element('p', { textContent: text.deleteIntro }), passwordLabel, password, element('button', { type: 'submit', className: 'secondary', textContent: text.deleteAccount }));
  const data = element('div', {}, element('h3', { textContent: text.dataTitle }), download, erase);
  const dialog = element('dialog', { className: 'account-panel' }, element('header', {}, element('h2', { id: 'account-title', textContent: text.title }), close), body, data, status);
  dialog.setAttribute('aria-labelledby', 'account-title');

  const show = (settings: EmailSettings) => {
    const { available, address, pending, fromSite } = settings;
    body.hidden = role === 'guest' || (!available && !address);
    // guests and identified users have no password to give
    passwordLabel.hidden = password.hidden = role === 'guest' || !!fromSite;
    password.required = !password.hidden;
    if (!available && role !== 'guest') status.textContent = text.unavailable;
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
  download.onclick = async () => {
    try {
      const url = URL.createObjectURL(new Blob([JSON.stringify(await options.exportData(), null, 2)], { type: 'application/json' }));
      element('a', { href: url, download: 'parley-data.json' }).click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      status.textContent = text.downloaded;
    } catch (caught) {
      status.textContent = describeError(caught);
    }
  };
  erase.onsubmit = async (event) => {
    event.preventDefault();
    if (!confirm(text.confirmDelete)) return;
    try {
      await options.deleteAccount(password.hidden ? undefined : password.value);
      dialog.close();
    } catch (caught) {
      status.textContent = describeError(caught);
      password.focus();
    }
  };
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
