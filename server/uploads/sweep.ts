import type { Repositories } from '../db';
import { UNATTACHED_TTL_MS } from '../db/uploads';

/**
 * Deletes uploads no message holds an hour after they arrived: never sent, or claimed by a send that was never
 * stored (the node died between the claim and the write). One claimed by a stored message whose seq was not noted
 * gets it noted. Safe on many nodes at once: deletes by `_id` and notes are idempotent. Answers how many it deleted.
 */
export async function sweepUploads({ uploads, messages }: Pick<Repositories, 'uploads' | 'messages'>, now = Date.now()): Promise<number> {
  const orphans = await uploads.unattached(new Date(now - UNATTACHED_TTL_MS), async (upload) => {
    const [roomId, clientMsgId] = upload.claimedBy?.split(':') ?? [];
    if (!roomId || !clientMsgId) return false;
    const stored = await messages.findSent(upload.siteId, roomId, upload.userId, clientMsgId);
    if (stored) await uploads.attached([upload._id], stored.seq);
    return stored !== null;
  });
  return uploads.remove(orphans);
}
