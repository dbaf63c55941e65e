import type Koa from 'koa';
import type { Logger } from 'pino';
import { AppError, invalidInput, statusOf, toErrorBody } from '../errors';

/** The one place that decides what a client sees of an error: always `{ error: { code, message, field? } }`. */
export function errorMiddleware(log: Logger): Koa.Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new AppError('not_found', 'no such endpoint');
    } catch (thrown) {
      const error = fromKoa(thrown) ?? thrown;
      const status = statusOf(error);
      const body = toErrorBody(error);
      // the request's own logger when requestLog runs outside this middleware: the line carries the request id
      const requestLog: Logger | undefined = ctx.log;
      if (status >= 500) (requestLog ?? log).error({ err: thrown, method: ctx.method, path: ctx.path, siteId: ctx.state.site?._id }, 'request failed');
      if (body.retryAfterMs) ctx.set('Retry-After', String(Math.ceil(body.retryAfterMs / 1000)));
      ctx.status = status;
      ctx.body = { error: body };
    }
  };
}

/** The body parser throws 4xx errors of its own (bad JSON, too large, wrong charset); give them our shape. */
function fromKoa(error: unknown): AppError | undefined {
  if (error instanceof AppError) return undefined;
  const { status, code } = (error ?? {}) as { status?: unknown; code?: unknown };
  // zlib's errors, from a body sent with a Content-Encoding it does not have
  if (typeof code === 'string' && code.startsWith('Z_')) return invalidInput(undefined, 'request body could not be decompressed');
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  if (status === 413) return invalidInput(undefined, 'request body is too large');
  if (status === 415) return invalidInput(undefined, 'send JSON with content-type application/json');
  return invalidInput(undefined, 'request body is not valid JSON');
}
