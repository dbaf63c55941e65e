import '@koa/bodyparser';
import type Router from '@koa/router';
import type Koa from 'koa';
import { z } from 'zod';
import type { GuestRequest } from '../../../sdk/protocol';
import type { Repositories } from '../../db';
import { hashAddress } from '../../db/ip-bans';
import { settingsOf } from '../../db/sites';
import { AppError, forbidden } from '../../errors';
import { visitorAccess } from '../../moderation/site-settings';
import { cleanText, parseInput } from '../../validation';
import type { AuthRateLimiter } from '../rate-limits';
import { createRouter } from '../router';
import type { ApiState } from '../require-user';
import { type ProofOfWork, proofSchema } from '../proof-of-work';
import { startSession } from './auth';

export const guestSchema = z.strictObject({
  displayName: cleanText('display name', 40, { multiline: false }),
  proof: proofSchema,
}) satisfies z.ZodType<GuestRequest, unknown>;

export interface GuestRoutesOptions {
  repositories: Repositories;
  rateLimiter: AuthRateLimiter;
  /** The key of the address hashes that guest bans are kept under. */
  addressKey: string;
  /** Sign-up's bot protection. */
  proofOfWork: ProofOfWork;
}

/**
 * Guest sign-in: anyone picks a display name (unique among the site's members and guests) and gets a session, where
 * some room takes guests. Sign-up's limits apply, and a banned guest's address is kept out for the site's
 * `guestBanHours` whatever name they pick.
 */
export function guestRoutes({ repositories, rateLimiter, addressKey, proofOfWork }: GuestRoutesOptions): Router<ApiState> {
  const { users, rooms } = repositories;
  const router = createRouter<ApiState>('/api/sites/:siteId');

  router.post('/guest', async (ctx) => {
    const { displayName, proof } = parseInput(guestSchema, ctx.request.body);
    const { site } = ctx.state;
    if (!visitorAccess(await rooms.list(site._id), settingsOf(site).access).guests) throw forbidden('this site takes no guests; sign up or sign in');
    await rateLimiter.register(ctx.ip);
    await proofOfWork.verify(proof);
    const ipHash = await assertAddressNotBanned(ctx, repositories, addressKey);
    const guest = await users.insertGuest(site._id, displayName, ipHash);
    await startSession(ctx, guest);
    ctx.status = 201;
  });

  return router;
}

/** Throws `forbidden` (reason `banned`) while the request's address is banned from the site; answers its hash. */
export async function assertAddressNotBanned(ctx: Koa.ParameterizedContext<ApiState>, repositories: Pick<Repositories, 'ipBans'>, addressKey: string): Promise<string> {
  const ipHash = hashAddress(addressKey, ctx.ip);
  const until = await repositories.ipBans.bannedUntil(ctx.state.site._id, ipHash);
  if (until) {
    throw new AppError('forbidden', `your network is banned from this site until ${until.toISOString()}`, undefined, until.getTime() - Date.now(), 'banned');
  }
  return ipHash;
}
