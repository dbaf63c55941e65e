// What Parley's emails and the pages their links open say, in English, Spanish and Chinese: plain text and simple
// HTML, every value from a user escaped.
import type { EmailLocale } from '../db/users';
import { withoutControlsKeepingLines } from '../validation';

export interface DigestEntry {
  kind: 'mention' | 'reply';
  author: string;
  room: string;
  text: string;
  at: Date;
}

interface Strings {
  digestSubject: (count: number, site: string) => string;
  away: string;
  mentioned: (author: string, room: string) => string;
  replied: (author: string, room: string) => string;
  more: string;
  open: string;
  why: (site: string) => string;
  unsubscribe: string;
  verifySubject: (site: string) => string;
  verifyBody: (site: string) => string;
  verifyIgnore: string;
  verifyButton: string;
  verifyTitle: string;
  verified: string;
  unsubscribeTitle: string;
  unsubscribed: (site: string) => string;
  badLink: string;
}

const strings: Record<EmailLocale, Strings> = {
  en: {
    digestSubject: (count, site) => (count === 1 ? `A message for you on ${site}` : `${count} messages for you on ${site}`),
    away: 'While you were away:',
    mentioned: (author, room) => `${author} mentioned you in #${room}`,
    replied: (author, room) => `${author} replied to you in #${room}`,
    more: 'More are waiting in the chat.',
    open: 'Open the chat',
    why: (site) => `You get this email because you turned on email notifications on ${site}.`,
    unsubscribe: 'Unsubscribe',
    verifySubject: (site) => `Confirm your email address for ${site}`,
    verifyBody: (site) => `Confirm this address to get an email when someone mentions you or replies to you on ${site} while you are away:`,
    verifyIgnore: 'If you did not ask for this, ignore this email: nothing will be sent to you.',
    verifyButton: 'Confirm email address',
    verifyTitle: 'Confirm your email address',
    verified: 'Your email address is confirmed. You can close this page.',
    unsubscribeTitle: 'Unsubscribe from email notifications',
    unsubscribed: (site) => `You will get no more email notifications from ${site}. You can turn them back on in the chat.`,
    badLink: 'This link is not valid any more. Ask for a new one in the chat.',
  },
  es: {
    digestSubject: (count, site) => (count === 1 ? `Un mensaje para ti en ${site}` : `${count} mensajes para ti en ${site}`),
    away: 'Mientras no estabas:',
    mentioned: (author, room) => `${author} te mencionó en #${room}`,
    replied: (author, room) => `${author} te respondió en #${room}`,
    more: 'Hay más esperándote en el chat.',
    open: 'Abrir el chat',
    why: (site) => `Recibes este correo porque activaste los avisos por correo en ${site}.`,
    unsubscribe: 'Darse de baja',
    verifySubject: (site) => `Confirma tu correo para ${site}`,
    verifyBody: (site) => `Confirma esta dirección para recibir un correo cuando alguien te mencione o te responda en ${site} mientras no estás:`,
    verifyIgnore: 'Si no lo pediste, ignora este correo: no se te enviará nada.',
    verifyButton: 'Confirmar dirección de correo',
    verifyTitle: 'Confirma tu dirección de correo',
    verified: 'Tu dirección de correo está confirmada. Puedes cerrar esta página.',
    unsubscribeTitle: 'Darse de baja de los avisos por correo',
    unsubscribed: (site) => `No recibirás más avisos por correo de ${site}. Puedes volver a activarlos en el chat.`,
    badLink: 'Este enlace ya no es válido. Pide uno nuevo en el chat.',
  },
  zh: {
    digestSubject: (count, site) => `${site} 上有 ${count} 条给你的消息`,
    away: '你不在时：',
    mentioned: (author, room) => `${author} 在 #${room} 中提到了你`,
    replied: (author, room) => `${author} 在 #${room} 中回复了你`,
    more: '聊天中还有更多消息。',
    open: '打开聊天',
    why: (site) => `你收到这封邮件，是因为你在 ${site} 开启了邮件通知。`,
    unsubscribe: '退订',
    verifySubject: (site) => `确认你在 ${site} 的邮箱地址`,
    verifyBody: (site) => `确认此地址后，当你不在时有人在 ${site} 提到或回复你，你会收到一封邮件：`,
    verifyIgnore: '如果这不是你本人的请求，请忽略此邮件：我们不会给你发送任何内容。',
    verifyButton: '确认邮箱地址',
    verifyTitle: '确认你的邮箱地址',
    verified: '你的邮箱地址已确认。你可以关闭此页面。',
    unsubscribeTitle: '退订邮件通知',
    unsubscribed: (site) => `你将不再收到来自 ${site} 的邮件通知。你可以在聊天中重新开启。`,
    badLink: '此链接已失效。请在聊天中重新获取。',
  },
};

/** The email language for a BCP 47 tag: its language when Parley writes it, else English. */
export function emailLocale(tag: string | undefined): EmailLocale {
  const language = tag?.toLowerCase().split(/[-_]/)[0];
  return language === 'es' || language === 'zh' ? language : 'en';
}

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

// no control characters (but line breaks) in what a message shows; long texts shortened
const MAX_TEXT = 500;
const textOf = (text: string) => {
  const clean = withoutControlsKeepingLines(text);
  return clean.length > MAX_TEXT ? `${clean.slice(0, MAX_TEXT - 1)}…` : clean;
};

const HTML_STYLE = 'font-family:system-ui,sans-serif;font-size:15px;line-height:1.5;color:#111827';

const htmlDocument = (locale: EmailLocale, title: string, body: string) =>
  `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title></head><body style="${HTML_STYLE}">${body}</body></html>`;

/** A digest of the messages a user missed: plain text and HTML, the link back to the chat and the unsubscribe link. */
export function digestEmail(input: {
  locale: EmailLocale;
  site: string;
  entries: readonly DigestEntry[];
  more: boolean;
  chatUrl: string | undefined;
  unsubscribeUrl: string;
}): { subject: string; text: string; html: string } {
  const t = strings[input.locale];
  const heading = (entry: DigestEntry) => (entry.kind === 'reply' ? t.replied : t.mentioned)(entry.author, entry.room);
  const subject = t.digestSubject(input.entries.length, input.site);
  const text = [
    t.away,
    '',
    ...input.entries.flatMap((entry) => [`${heading(entry)} (${entry.at.toISOString().slice(0, 16).replace('T', ' ')} UTC):`, textOf(entry.text), '']),
    ...(input.more ? [t.more, ''] : []),
    ...(input.chatUrl ? [`${t.open}: ${input.chatUrl}`, ''] : []),
    '-- ',
    t.why(input.site),
    `${t.unsubscribe}: ${input.unsubscribeUrl}`,
  ].join('\n');
  const html = htmlDocument(
    input.locale,
    subject,
    [
      `<p>${escapeHtml(t.away)}</p>`,
      ...input.entries.map(
        (entry) =>
          `<p><b>${escapeHtml(heading(entry))}</b> <small style="color:#4b5563">${entry.at.toISOString().slice(0, 16).replace('T', ' ')} UTC</small><br>` +
          `<span style="white-space:pre-wrap">${escapeHtml(textOf(entry.text))}</span></p>`,
      ),
      ...(input.more ? [`<p>${escapeHtml(t.more)}</p>`] : []),
      ...(input.chatUrl ? [`<p><a href="${escapeHtml(input.chatUrl)}" style="color:#3730a3">${escapeHtml(t.open)}</a></p>`] : []),
      `<hr style="border:0;border-top:1px solid #d1d5db"><p style="font-size:13px;color:#4b5563">${escapeHtml(t.why(input.site))} <a href="${escapeHtml(input.unsubscribeUrl)}" style="color:#3730a3">${escapeHtml(t.unsubscribe)}</a></p>`,
    ].join(''),
  );
  return { subject, text, html };
}

/** The email with the link that confirms an address. */
export function verificationEmail(input: { locale: EmailLocale; site: string; url: string }): { subject: string; text: string; html: string } {
  const t = strings[input.locale];
  const subject = t.verifySubject(input.site);
  const text = [t.verifyBody(input.site), '', input.url, '', t.verifyIgnore].join('\n');
  const html = htmlDocument(
    input.locale,
    subject,
    `<p>${escapeHtml(t.verifyBody(input.site))}</p><p><a href="${escapeHtml(input.url)}" style="color:#3730a3">${escapeHtml(t.verifyButton)}</a></p><p style="font-size:13px;color:#4b5563">${escapeHtml(t.verifyIgnore)}</p>`,
  );
  return { subject, text, html };
}

/**
 * The page a link opens: a form that does what the link is for (a POST, so that a mail scanner fetching links does
 * nothing), or what came of it.
 */
export function linkPage(locale: EmailLocale, page: { use: 'verify' | 'unsubscribe'; state: 'ask' | 'done' | 'invalid'; site?: string }): string {
  const t = strings[locale];
  const title = page.use === 'verify' ? t.verifyTitle : t.unsubscribeTitle;
  const body =
    page.state === 'ask'
      ? `<form method="post"><button type="submit" style="font:inherit;padding:8px 16px">${escapeHtml(page.use === 'verify' ? t.verifyButton : t.unsubscribe)}</button></form>`
      : `<p role="status">${escapeHtml(page.state === 'invalid' ? t.badLink : page.use === 'verify' ? t.verified : t.unsubscribed(page.site ?? ''))}</p>`;
  return htmlDocument(locale, title, `<main style="max-width:560px;margin:48px auto;padding:0 16px"><h1 style="font-size:22px">${escapeHtml(title)}</h1>${body}</main>`);
}
