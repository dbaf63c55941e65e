// The report form: a lazy chunk of its own (most visitors never report anything), in plain DOM with its strings
// in all three languages, so it imports nothing from app.js (test/unit/bundle-size.test.ts keeps chunks that way).
import type { ReportReason } from '../../sdk';

const REASONS: readonly ReportReason[] = ['spam', 'harassment', 'hate', 'sexual', 'violence', 'other'];

interface FormStrings {
  title: string;
  reason: string;
  reasons: Record<ReportReason, string>;
  details: string;
  send: string;
  cancel: string;
  sent: string;
  close: string;
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
  },
};

export interface ReportFormOptions {
  /** The app's locale (BCP 47); its language's strings, else English. */
  locale: string;
  authorName: string;
  onReport: (reason: ReportReason, details: string) => Promise<void>;
  /** What to show when the report failed. */
  describeError: (error: unknown) => string;
  /** Sent and acknowledged, or cancelled (Cancel, Close, Escape). */
  onClose: () => void;
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, properties: Partial<Record<string, unknown>> = {}, ...children: Node[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  Object.assign(node, properties);
  node.append(...children);
  return node;
}

/**
 * Builds the form in `host` and focuses its first field: a reason, optional details (500 characters), Send and
 * Cancel; Escape cancels. Answers what removes it.
 */
export function mountReportForm(host: HTMLElement, options: ReportFormOptions): () => void {
  const text = strings[options.locale.split('-')[0] as keyof typeof strings] ?? strings.en;
  const title = element('p', { id: 'report-title', className: 'report-title', textContent: text.title.replace('{name}', options.authorName) });
  const reason = element('select', { id: 'report-reason' }, ...REASONS.map((value) => element('option', { value, textContent: text.reasons[value] })));
  const details = element('textarea', { id: 'report-details', rows: 2, maxLength: 500 });
  const error = element('p', { className: 'composer-error' });
  error.setAttribute('role', 'alert');
  const send = element('button', { type: 'submit', className: 'primary', textContent: text.send });
  const cancel = element('button', { type: 'button', className: 'secondary', textContent: text.cancel, onclick: options.onClose });
  const form = element(
    'form',
    { className: 'report-form' },
    title,
    element('label', { htmlFor: 'report-reason', textContent: text.reason }),
    reason,
    element('label', { htmlFor: 'report-details', textContent: text.details }),
    details,
    error,
    element('div', { className: 'report-actions' }, send, cancel),
  );
  form.setAttribute('aria-labelledby', 'report-title');
  form.addEventListener('keydown', (event) => event.key === 'Escape' && options.onClose());
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (send.disabled) return;
    send.disabled = true;
    error.textContent = '';
    options.onReport(reason.value as ReportReason, details.value.trim()).then(
      () => {
        const done = element('button', { type: 'button', className: 'secondary', textContent: text.close, onclick: options.onClose });
        const status = element('p', { textContent: text.sent });
        status.setAttribute('role', 'status');
        form.replaceChildren(title, status, done);
        done.focus();
      },
      (failure: unknown) => {
        send.disabled = false;
        error.textContent = options.describeError(failure);
      },
    );
  });
  host.replaceChildren(form);
  reason.focus();
  return () => form.remove();
}
