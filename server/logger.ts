import pino, { type DestinationStream, type Logger } from 'pino';

// Whatever may carry a secret is censored wherever a log call puts it, at the top level or one level down
// (`{ user: { passwordHash } }`), and in request-like objects (`{ req: { headers: { cookie } } }`).
const SECRET_FIELDS = ['password', 'passwordHash', 'token', 'hash', 'identitySecret', 'sessionKeys', 'authorization', 'cookie', '["set-cookie"]'];
const HEADER_HOLDERS = ['req.headers', 'res.headers', 'request.headers', 'response.headers', 'handshake.headers', 'handshake.auth'];
const pathTo = (parent: string, field: string) => (field.startsWith('[') || !parent ? `${parent}${field}` : `${parent}.${field}`);
export const REDACTED_PATHS = [
  ...SECRET_FIELDS.map((field) => pathTo('', field)),
  ...SECRET_FIELDS.map((field) => pathTo('*', field)),
  ...HEADER_HOLDERS.flatMap((holder) => ['authorization', 'cookie', '["set-cookie"]', 'token'].map((field) => pathTo(holder, field))),
];

/**
 * JSON logs for machines; readable lines when a person watches a terminal. `destination` (tests) receives the
 * JSON lines instead of stdout.
 */
export function createLogger(level: string, pretty = process.stdout.isTTY, destination?: DestinationStream): Logger {
  const options = { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  if (destination) return pino(options, destination);
  return pino({
    ...options,
    ...(pretty ? { transport: { target: 'pino-pretty', options: { ignore: 'pid,hostname', translateTime: 'HH:MM:ss' } } } : {}),
  });
}
