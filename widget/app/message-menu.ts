// A message's menu: react; on someone else's message report and block; for moderators pin, delete, mute and ban. A lazy chunk of its own (most visitors
// never open it), in plain DOM with its strings in all three languages, so it imports nothing from app.js
// (test/unit/bundle-size.test.ts keeps chunks that way).
import type { CoreChatClient, ReportReason, Room } from '../../sdk';

const REASONS: readonly ReportReason[] = ['spam', 'harassment', 'hate', 'sexual', 'violence', 'other'];
const MUTE_MS = 10 * 60_000;

interface FormStrings {
  title: string;
  reason: string;
  reasons: Record<ReportReason, string>;
  details: string;
  send: string;
  cancel: string;
  sent: string;
  close: string;
  menuTitle: string;
  reportAction: string;
  block: string;
  blocked: string;
  undo: string;
  remove: string;
  removed: string;
  mute: string;
  muted: string;
  ban: string;
  banConfirm: string;
  banned: string;
  ownTitle: string;
  react: string;
  reply: string;
  pin: string;
  unpin: string;
  pinnedDone: string;
  unpinnedDone: string;
}

const strings: Record<'en' | 'es' | 'zh', FormStrings> = {
  en: {
    title: 'Report a message from {name}',
    reason: 'Reason',
    reasons: {
      spam: 'Spam or advertising',
      harassment: 'Harassment or bullying',
      hate: 'Hate speech',
      sexual: 'Sexual content',
      violence: 'Violence or threats',
      other: 'Something else',
    },
    details: 'Details (optional)',
    send: 'Send report',
    cancel: 'Cancel',
    sent: 'Thanks. The moderators will take a look.',
    close: 'Close',
    menuTitle: 'Message from {name}',
    reportAction: 'Report…',
    block: 'Block {name}',
    blocked: 'You blocked {name}: you will not see their messages.',
    undo: 'Undo',
    remove: 'Delete message',
    removed: 'Message deleted.',
    mute: 'Mute for 10 minutes',
    muted: '{name} is muted in this room for 10 minutes.',
    ban: 'Ban {name}…',
    banConfirm: 'Ban {name} from this site? They will not be able to chat here.',
    banned: '{name} is banned.',
    ownTitle: 'Your message',
    react: 'React…',
    reply: 'Reply',
    pin: 'Pin message',
    unpin: 'Unpin message',
    pinnedDone: 'Message pinned.',
    unpinnedDone: 'Message unpinned.',
  },
  es: {
    title: 'Denunciar un mensaje de {name}',
    reason: 'Motivo',
    reasons: {
      spam: 'Spam o publicidad',
      harassment: 'Acoso o intimidación',
      hate: 'Discurso de odio',
      sexual: 'Contenido sexual',
      violence: 'Violencia o amenazas',
      other: 'Otro motivo',
    },
    details: 'Detalles (opcional)',
    send: 'Enviar denuncia',
    cancel: 'Cancelar',
    sent: 'Gracias. Los moderadores lo revisarán.',
    close: 'Cerrar',
    menuTitle: 'Mensaje de {name}',
    reportAction: 'Denunciar…',
    block: 'Bloquear a {name}',
    blocked: 'Has bloqueado a {name}: no verás sus mensajes.',
    undo: 'Deshacer',
    remove: 'Eliminar mensaje',
    removed: 'Mensaje eliminado.',
    mute: 'Silenciar 10 minutos',
    muted: '{name} está silenciado en esta sala durante 10 minutos.',
    ban: 'Expulsar a {name}…',
    banConfirm: '¿Expulsar a {name} de este sitio? No podrá chatear aquí.',
    banned: '{name} ha sido expulsado.',
    ownTitle: 'Tu mensaje',
    react: 'Reaccionar…',
    reply: 'Responder',
    pin: 'Fijar mensaje',
    unpin: 'Desfijar mensaje',
    pinnedDone: 'Mensaje fijado.',
    unpinnedDone: 'Mensaje desfijado.',
  },
  zh: {
    title: '举报 {name} 的一条消息',
    reason: '原因',
    reasons: {
      spam: '垃圾信息或广告',
      harassment: '骚扰或欺凌',
      hate: '仇恨言论',
      sexual: '色情内容',
      violence: '暴力或威胁',
      other: '其他原因',
    },
    details: '详细说明（可选）',
    send: '提交举报',
    cancel: '取消',
    sent: '谢谢。版主会查看此消息。',
    close: '关闭',
    menuTitle: '{name} 的消息',
    reportAction: '举报…',
    block: '屏蔽 {name}',
    blocked: '你已屏蔽 {name}：你将看不到对方的消息。',
    undo: '撤销',
    remove: '删除消息',
    removed: '消息已删除。',
    mute: '禁言 10 分钟',
    muted: '{name} 在此聊天室被禁言 10 分钟。',
    ban: '封禁 {name}…',
    banConfirm: '要在此网站封禁 {name} 吗？对方将无法在这里聊天。',
    banned: '{name} 已被封禁。',
    ownTitle: '你的消息',
    react: '回应…',
    reply: '回复',
    pin: '置顶消息',
    unpin: '取消置顶',
    pinnedDone: '消息已置顶。',
    unpinnedDone: '已取消置顶。',
  },
};

export interface MessageMenuOptions {
  /** The app's locale (BCP 47); its language's strings, else English. */
  locale: string;
  authorName: string;
  /** The user's own message: react (and pin, for moderators) only. */
  own: boolean;
  /** Offers pin, delete, mute and ban. */
  moderator: boolean;
  /** The message is pinned now: Unpin rather than Pin. */
  pinned: boolean;
  /** Opens the emoji picker for this message (the menu closes). */
  onReact: () => void;
  /** Starts a reply to this message in the composer (the menu closes). */
  onReply: () => void;
  /** The message, and its author. */
  seq: number;
  authorId: string;
  /** The joined room and the client: the menu reports, pins, deletes, mutes and bans through them itself. */
  room: () => Pick<Room, 'report' | 'pin' | 'unpin' | 'delete' | 'mute'>;
  chat: Pick<CoreChatClient, 'ban'>;
  /** Block and unblock go through the app: it drops the blocked user's messages from the list. */
  onBlock: () => Promise<void>;
  onUnblock: () => Promise<void>;
  /** What to show when an action failed. */
  describeError: (error: unknown) => string;
  /** Done, or cancelled (Cancel, Close, Escape). */
  onClose: () => void;
}

// the menu's own styles, loaded with it (the app page's CSP takes style sheets from our origin only; a constructed
// sheet is no inline style); the box itself (.message-menu) is the app's, which the emoji picker shares
const CSS = `.report-form{display:flex;flex-direction:column;gap:6px}.report-title{font-weight:700}
.report-form select,.report-form textarea{font:inherit;padding:6px 8px;border:1px solid var(--border);border-radius:6px;background:var(--surface);color:inherit}
.report-actions{display:flex;flex-wrap:wrap;gap:8px}`;
let sheet: CSSStyleSheet | undefined;

function element<K extends keyof HTMLElementTagNameMap>(tag: K, properties: Partial<Record<string, unknown>> = {}, ...children: Node[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  Object.assign(node, properties);
  node.append(...children);
  return node;
}

/**
 * Builds the menu in `host` and focuses its first action; each action shows its outcome in place, with Close (and
 * Undo for a block); Escape cancels. Answers what removes it.
 */
export function mountMessageMenu(host: HTMLElement, options: MessageMenuOptions): () => void {
  const text = strings[options.locale.split('-')[0] as keyof typeof strings] ?? strings.en;
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  }
  const named = (template: string) => template.replace('{name}', options.authorName);
  const box = element('section', { className: 'message-menu' });
  box.setAttribute('aria-labelledby', 'menu-title');
  box.addEventListener('keydown', (event) => event.key === 'Escape' && options.onClose());
  const title = () => element('p', { id: 'menu-title', className: 'report-title', textContent: options.own ? text.ownTitle : named(text.menuTitle) });
  const error = element('p', { className: 'composer-error' });
  error.setAttribute('role', 'alert');
  const button = (label: string, onclick: () => void, className = 'secondary') => element('button', { type: 'button', className, textContent: label, onclick });
  const cancel = () => button(text.cancel, options.onClose);

  // shows `children` as the menu's content and focuses the first button or field
  const show = (...children: Node[]) => {
    error.textContent = '';
    box.replaceChildren(title(), ...children, error);
    box.querySelector<HTMLElement>('select, button')?.focus();
  };
  const done = (message: string, ...extra: Node[]) => {
    const status = element('p', { textContent: message });
    status.setAttribute('role', 'status');
    show(status, element('div', { className: 'report-actions' }, button(text.close, options.onClose), ...extra));
  };
  // runs an action once at a time; its failure shows in the menu
  let busy = false;
  const act = (action: () => Promise<unknown>, outcome: () => void) => () => {
    if (busy) return;
    busy = true;
    error.textContent = '';
    action().then(outcome, (failure: unknown) => void (error.textContent = options.describeError(failure))).finally(() => (busy = false));
  };

  const menu = () => {
    const { own, moderator, pinned } = options;
    const actions = [button(text.react, options.onReact), button(text.reply, options.onReply)];
    if (!own) {
      actions.push(
        button(text.reportAction, report),
        button(named(text.block), act(options.onBlock, () => done(named(text.blocked), button(text.undo, act(options.onUnblock, options.onClose))))),
      );
    }
    if (moderator) actions.push(button(pinned ? text.unpin : text.pin, act(() => (pinned ? options.room().unpin(options.seq) : options.room().pin(options.seq)), () => done(pinned ? text.unpinnedDone : text.pinnedDone))));
    if (moderator && !own) {
      actions.push(
        button(text.remove, act(() => options.room().delete(options.seq), () => done(text.removed))),
        button(text.mute, act(() => options.room().mute(options.authorId, { durationMs: MUTE_MS }), () => done(named(text.muted)))),
        button(named(text.ban), () => show(element('p', { textContent: named(text.banConfirm) }), element('div', { className: 'report-actions' }, button(named(text.ban).replace('…', ''), act(() => options.chat.ban(options.authorId), () => done(named(text.banned))), 'primary'), cancel()))),
      );
    }
    show(element('div', { className: 'report-actions' }, ...actions, cancel()));
  };

  const report = () => {
    const reason = element('select', { id: 'report-reason' }, ...REASONS.map((value) => element('option', { value, textContent: text.reasons[value] })));
    const details = element('textarea', { id: 'report-details', rows: 2, maxLength: 500 });
    const send = element('button', { type: 'submit', className: 'primary', textContent: text.send });
    const form = element(
      'form',
      { className: 'report-form' },
      element('p', { className: 'report-title', textContent: named(text.title) }),
      element('label', { htmlFor: 'report-reason', textContent: text.reason }),
      reason,
      element('label', { htmlFor: 'report-details', textContent: text.details }),
      details,
      element('div', { className: 'report-actions' }, send, cancel()),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      act(() => options.room().report(options.seq, { reason: reason.value as ReportReason, ...(details.value.trim() ? { details: details.value.trim() } : {}) }), () => done(text.sent))();
    });
    show(form);
  };

  host.replaceChildren(box);
  menu();
  return () => box.remove();
}
