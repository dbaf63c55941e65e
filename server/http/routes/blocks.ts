import '@koa/bodyparser';
import type Router from '@koa/router';
import { createRouter } from '../router';
import { z } from 'zod';
import type { BlockRequest, BlocksResponse } from '../../../sdk/protocol';
import type { Repositories } from '../../db';
import { MAX_BLOCKED } from '../../db/users';
import { forbidden, invalidInput, notFound } from '../../errors';
import { OBJECT_ID_PATTERN, parseInput } from '../../validation';
import { type ApiState, requireUser } from '../require-user';

export const blockSchema = z.strictObject({
  userId: z.string({ error: 'userId must be a string' }).regex(OBJECT_ID_PATTERN, 'userId must be a user id'),
}) satisfies z.ZodType<BlockRequest, unknown>;

/** Anyone signed in: the users whose messages and typing they do not want to see (the SDK hides them). */
export function blockRoutes({ repositories }: { repositories: Repositories }): Router<ApiState> {
  const { users } = repositories;
  const router = createRouter<ApiState>('/api/sites/:siteId/blocks');
  const signedIn = requireUser(users);

  router.get('/', signedIn, async (ctx) => {
    const { site, user } = ctx.state;
    const ids = user.blocked ?? [];
    const found = new Map((await users.findByIds(site._id, ids)).map((other) => [other._id.toHexString(), other.displayName]));
    // in the order blocked; a user deleted since is left out
    ctx.body = { blocked: ids.flatMap((id) => (found.has(id) ? [{ id, displayName: found.get(id)! }] : [])) } satisfies BlocksResponse;
  });

  router.post('/', signedIn, async (ctx) => {
    const { userId } = parseInput(blockSchema, ctx.request.body);
    const { site, user } = ctx.state;
    if (userId === user._id.toHexString()) throw forbidden('you cannot block yourself');
    if (!(await users.findById(site._id, userId))) throw notFound('user');
    if (!(await users.block(user, userId))) throw invalidInput('userId', `you can block at most ${MAX_BLOCKED} users`);
    ctx.status = 204;
  });

  router.delete('/:userId', signedIn, async (ctx) => {
    const userId = ctx.params.userId ?? '';
    if (!OBJECT_ID_PATTERN.test(userId)) throw notFound('user');
    await users.unblock(ctx.state.user, userId);
    ctx.status = 204;
  });

  return router;
}
