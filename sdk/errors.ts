import type { ErrorBody, ErrorCode, RefusalReason } from './protocol';

/**
 * The one error type of the SDK: every rejected promise and every `error` event carries a ChatError.
 *
 * @example
 * try { await chat.login({ username, password }); }
 * catch (err) { if (err instanceof ChatError && err.code === 'unauthorized') showWrongPassword(); }
 */
export class ChatError extends Error {
  override readonly name = 'ChatError';
  readonly code: ErrorCode;
  readonly field?: string;
  readonly retryAfterMs?: number;
  /** Why a post was refused, stable across languages: show your own text for it (see RefusalReason). */
  readonly reason?: RefusalReason;

  constructor(code: ErrorCode, message: string, options: { field?: string; retryAfterMs?: number; reason?: RefusalReason; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.field !== undefined) this.field = options.field;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    if (options.reason !== undefined) this.reason = options.reason;
  }

  /** Builds a ChatError from the server's `{ error }` body. */
  static fromBody(body: ErrorBody): ChatError {
    return new ChatError(body.code, body.message, body);
  }
}

const codes: readonly ErrorCode[] = [
  'invalid_input',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'rate_limited',
  'unavailable',
  'network',
  'internal',
];

/** Parse, don't trust: accepts only a well-formed `{ error: { code, message } }`. */
export function parseErrorBody(value: unknown): ErrorBody | undefined {
  if (typeof value !== 'object' || value === null || !('error' in value)) return undefined;
  const error: unknown = value.error;
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message, field, retryAfterMs, reason } = error as Record<string, unknown>;
  if (typeof code !== 'string' || !codes.includes(code as ErrorCode) || typeof message !== 'string') return undefined;
  return {
    code: code as ErrorCode,
    message,
    ...(typeof field === 'string' ? { field } : {}),
    ...(typeof retryAfterMs === 'number' ? { retryAfterMs } : {}),
    ...(typeof reason === 'string' ? { reason: reason as RefusalReason } : {}),
  };
}

/** Any failure as a ChatError: ChatErrors as they are, anything else as `internal` with the original as `cause`. */
export function toChatError(error: unknown): ChatError {
  return error instanceof ChatError ? error : new ChatError('internal', String(error), { cause: error });
}
