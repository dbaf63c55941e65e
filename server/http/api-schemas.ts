import { z } from 'zod';
import type { ErrorCode, ErrorResponse, MeResponse, SessionResponse, User } from '../../sdk/protocol';
import { TOKEN_PATTERN } from './session';

/**
 * Zod schemas of the HTTP responses in sdk/protocol.ts, from which the OpenAPI document is generated.
 * Each `satisfies` ties a schema to its protocol type, so the document cannot drift from what the SDK expects.
 */

// a mapped type demands every ErrorCode and no other key: a code added to the protocol must be added here
const errorCodes: { [Code in ErrorCode]: Code } = {
  invalid_input: 'invalid_input',
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  not_found: 'not_found',
  conflict: 'conflict',
  rate_limited: 'rate_limited',
  unavailable: 'unavailable',
  network: 'network',
  internal: 'internal',
};

export const errorCodeSchema = z.enum(errorCodes) satisfies z.ZodType<ErrorCode>;

export const userSchema = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
}) satisfies z.ZodType<User>;

export const sessionResponseSchema = z.object({
  user: userSchema,
  // what the server accepts back as a bearer token (server/http/session.ts)
  token: z
    .string()
    .regex(TOKEN_PATTERN)
    .meta({ description: 'The session id. Send it as `Authorization: Bearer <token>` or as Socket.IO `auth.token`.' }),
}) satisfies z.ZodType<SessionResponse>;

export const meResponseSchema = z.object({
  user: userSchema,
}) satisfies z.ZodType<MeResponse>;

export const errorResponseSchema = z.object({
  error: z.object({
    code: errorCodeSchema,
    message: z.string().meta({ description: 'Human-readable, safe to show.' }),
    field: z.string().optional().meta({ description: 'The input field the error is about, when there is one.' }),
    retryAfterMs: z.number().int().nonnegative().optional(),
  }),
}) satisfies z.ZodType<ErrorResponse>;

/** GET /healthz and GET /readyz. */
export const healthResponseSchema = z.object({
  ok: z.literal(true),
});
