import type { ErrorBody, ErrorCode, RefusalReason } from '../sdk/protocol';

const statusByCode: Record<ErrorCode, number> = {
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
  network: 503,
};

/** An error meant for the client: its code, message and field are shown as they are. */
export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    readonly retryAfterMs?: number,
    readonly reason?: RefusalReason,
  ) {
    super(message);
    this.status = statusByCode[code];
  }

  toBody(): ErrorBody {
    return {
      code: this.code,
      message: this.message,
      ...(this.field === undefined ? {} : { field: this.field }),
      ...(this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }),
      ...(this.reason === undefined ? {} : { reason: this.reason }),
    };
  }
}

export const invalidInput = (field: string | undefined, message: string) => new AppError('invalid_input', message, field);
export const unauthorized = (message = 'sign in first') => new AppError('unauthorized', message);
export const forbidden = (message: string, retryAfterMs?: number) => new AppError('forbidden', message, undefined, retryAfterMs);
export const notFound = (what: string) => new AppError('not_found', `${what} not found`);
export const conflict = (field: string, message: string) => new AppError('conflict', message, field);
export const rateLimited = (operation: string, retryAfterMs: number) =>
  new AppError('rate_limited', `too many ${operation}; try again in ${Math.ceil(retryAfterMs / 1000)} s`, undefined, retryAfterMs);
export const unavailable = (message = 'the service is temporarily unavailable') => new AppError('unavailable', message);

/** What the client sees for any error: AppErrors as they are, everything else as a bare `internal`. */
export function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof AppError) return error.toBody();
  if (isDatabaseUnavailable(error)) return unavailable().toBody();
  return { code: 'internal', message: 'something went wrong on our side' };
}

export function statusOf(error: unknown): number {
  if (error instanceof AppError) return error.status;
  return isDatabaseUnavailable(error) ? 503 : 500;
}

function isDatabaseUnavailable(error: unknown): boolean {
  // the driver's ways of saying "no database right now", rather than "your query is wrong"
  return error instanceof Error && /^Mongo(ServerSelection|Network|NetworkTimeout|NotConnected|Topology\w*|PoolCleared|OperationTimeout)Error$/.test(error.name);
}

/** MongoDB's duplicate-key error, from a unique index. */
export function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}
