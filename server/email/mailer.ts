import nodemailer from 'nodemailer';

/** One email: both bodies, and headers beyond From, To and Subject. */
export interface Email {
  to: string;
  subject: string;
  text: string;
  html: string;
  headers?: Record<string, string>;
}

export interface Mailer {
  send(email: Email): Promise<void>;
  close(): void;
}

/**
 * Email through an SMTP server (`SMTP_URL`, nodemailer's URL form: `smtps://user:pass@host:465`, or `smtp://…:587`,
 * which upgrades with STARTTLS when the server offers it), from `from`. Every email says it was sent by a machine.
 * Connections are pooled (nodemailer's `pool`, unless the URL says otherwise): a burst of digests reuses them.
 */
export function smtpMailer(smtpUrl: string, from: string): Mailer {
  const url = new URL(smtpUrl);
  if (!url.searchParams.has('pool')) url.searchParams.set('pool', 'true');
  const transport = nodemailer.createTransport(url.toString());
  return {
    async send({ to, subject, text, html, headers }) {
      await transport.sendMail({ from, to, subject, text, html, headers: { 'Auto-Submitted': 'auto-generated', ...headers } });
    },
    close: () => transport.close(),
  };
}
