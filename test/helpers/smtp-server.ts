import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** An email as it arrived: the envelope's recipients, the parsed message and its raw source. */
export interface Arrived {
  to: string[];
  mail: ParsedMail;
  raw: string;
}

export interface SmtpReceiver {
  /** `smtp://127.0.0.1:<port>`, for SMTP_URL. */
  url: string;
  received: Arrived[];
  /** Emails to `address`, in order of arrival. */
  to(address: string): Arrived[];
  /** While set, the server refuses every message with this SMTP reply (a failing provider). */
  refuse(reply: string | undefined): void;
  close(): Promise<void>;
}

/**
 * A real SMTP server (the `smtp-server` package) on loopback, inside the test process: it takes every message (no
 * TLS, no authentication), parses it with `mailparser` and keeps it for the test to read.
 */
export async function startSmtpReceiver(): Promise<SmtpReceiver> {
  const received: Arrived[] = [];
  let refusal: string | undefined;
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    // close() ends the connections a pooled client keeps open at once, instead of after the default 30 s
    closeTimeout: 1,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (refusal) return callback(Object.assign(new Error(refusal), { responseCode: 451 }));
        const raw = Buffer.concat(chunks).toString('utf8');
        simpleParser(raw).then(
          (mail) => {
            received.push({ to: session.envelope.rcptTo.map((rcpt) => rcpt.address), mail, raw });
            callback();
          },
          (error: Error) => callback(error),
        );
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    to: (address) => received.filter((arrived) => arrived.to.includes(address)),
    refuse: (reply) => void (refusal = reply),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
