import type { Collection, Db } from 'mongodb';
import type { RoomInfo } from '../../sdk/protocol';
import { type AppError, conflict, forbidden, isDuplicateKey, notFound } from '../errors';

/** A room; `_id` is `<site>:<room>` (roomKey), so a join and a send read and write it by `_id` alone. */
export interface RoomDocument {
  _id: string;
  siteId: string;
  roomId: string;
  name: string;
  lastSeq: number;
  createdAt: Date;
  archivedAt?: Date;
  /** Muted users of this room: user id → until when. Kept on the room so a send checks it in the same write. */
  mutedUntil?: Record<string, Date>;
}

/** The room every site has; it can be renamed but not archived. */
export const DEFAULT_ROOM = 'general';

// a refused batch is taken again without the refused messages; more than this means the room keeps changing
const MAX_TAKE_ATTEMPTS = 3;

export const roomKey = (siteId: string, roomId: string) => `${siteId}:${roomId}`;

export const presentRoom = (room: RoomDocument): RoomInfo => ({ id: room.roomId, name: room.name, archived: room.archivedAt !== undefined });

export class RoomsRepository {
  private readonly rooms: Collection<RoomDocument>;
  // per room, this node's last write to its document (see `queued`)
  private readonly writeQueue = new Map<string, Promise<unknown>>();

  constructor(db: Db) {
    this.rooms = db.collection<RoomDocument>('rooms');
  }

  find(siteId: string, roomId: string): Promise<RoomDocument | null> {
    return this.rooms.findOne({ _id: roomKey(siteId, roomId) });
  }

  /** Every room of the site, by id (the room list of the API, not a hot path: it reads every site's rooms). */
  list(siteId: string): Promise<RoomDocument[]> {
    return this.rooms.find({ siteId }).sort({ roomId: 1 }).toArray();
  }

  async ensure(siteId: string, roomId: string, name: string): Promise<void> {
    await this.rooms.updateOne(
      { _id: roomKey(siteId, roomId) },
      { $setOnInsert: { siteId, roomId, name, lastSeq: 0, createdAt: new Date() } },
      { upsert: true },
    );
  }

  /** Creates a room; an id in use is a `conflict` on `id`. */
  async create(siteId: string, roomId: string, name: string): Promise<RoomDocument> {
    const room: RoomDocument = { _id: roomKey(siteId, roomId), siteId, roomId, name, lastSeq: 0, createdAt: new Date() };
    try {
      await this.rooms.insertOne({ ...room });
    } catch (error) {
      if (isDuplicateKey(error)) throw conflict('id', 'a room with this id exists');
      throw error;
    }
    return room;
  }

  /** Renames, archives or unarchives; null when the room does not exist. */
  async update(siteId: string, roomId: string, change: { name?: string; archived?: boolean }): Promise<RoomDocument | null> {
    if (change.archived && roomId === DEFAULT_ROOM) throw forbidden(`the ${DEFAULT_ROOM} room cannot be archived`);
    const set: Partial<RoomDocument> = {};
    if (change.name !== undefined) set.name = change.name;
    if (change.archived === true) set.archivedAt = new Date();
    const unset = change.archived === false ? { archivedAt: '' as const } : undefined;
    // MongoDB refuses an empty update: a change of nothing is a read
    if (Object.keys(set).length === 0 && !unset) return this.find(siteId, roomId);
    return this.queued(siteId, roomId, () =>
      this.rooms.findOneAndUpdate(
        { _id: roomKey(siteId, roomId) },
        { ...(Object.keys(set).length > 0 ? { $set: set } : {}), ...(unset ? { $unset: unset } : {}) },
        { returnDocument: 'after' },
      ),
    );
  }

  async mute(siteId: string, roomId: string, userId: string, until: Date): Promise<boolean> {
    const { matchedCount } = await this.queued(siteId, roomId, () =>
      this.rooms.updateOne({ _id: roomKey(siteId, roomId) }, { $set: { [`mutedUntil.${userId}`]: until } }),
    );
    return matchedCount === 1;
  }

  async unmute(siteId: string, roomId: string, userId: string): Promise<boolean> {
    const { matchedCount } = await this.queued(siteId, roomId, () =>
      this.rooms.updateOne({ _id: roomKey(siteId, roomId) }, { $unset: { [`mutedUntil.${userId}`]: '' } }),
    );
    return matchedCount === 1;
  }

  async deleteBySite(siteId: string): Promise<number> {
    return (await this.rooms.deleteMany({ siteId })).deletedCount;
  }

  /**
   * Takes one seq per message of a batch, `authorIds` holding each message's author, atomically and in one round
   * trip with the checks that may refuse them: the room exists, is not archived and has muted none of the authors.
   * Answers per message, in order: its seq (the batch's seqs are consecutive, in the order given) or why it is
   * refused. When the write is refused, one read of the room tells which messages to refuse; the others are taken
   * again without them.
   *
   * A node writes one room document at a time (`queued`). Across nodes on a database without atomic updates,
   * a seq handed out twice is caught by the unique index of messages (see `repairSeq`).
   */
  takeSeqs(siteId: string, roomId: string, authorIds: readonly string[]): Promise<Array<number | AppError>> {
    return this.queued(siteId, roomId, async () => {
      const taken: Array<number | AppError> = [];
      let open = authorIds.map((_, index) => index); // the messages still without a seq or a refusal
      for (let attempt = 1; open.length > 0; attempt += 1) {
        const now = new Date();
        const authors = [...new Set(open.map((index) => authorIds[index]!))];
        const unmuted = Object.fromEntries(authors.map((id) => [`mutedUntil.${id}`, { $not: { $gt: now } }]));
        const room = await this.rooms.findOneAndUpdate(
          { _id: roomKey(siteId, roomId), archivedAt: { $exists: false }, ...unmuted },
          { $inc: { lastSeq: open.length } },
          { returnDocument: 'after' },
        );
        if (room) {
          const first = room.lastSeq - open.length + 1;
          open.forEach((index, k) => (taken[index] = first + k));
          break;
        }
        const known = await this.find(siteId, roomId);
        const refused = new Map(authors.map((id) => [id, refusal(known, id, now)]));
        // nothing refuses them now (unmuted, unarchived since the write): take again, a few times at most
        const changed = attempt === MAX_TAKE_ATTEMPTS ? conflict('roomId', 'the room changed; try again') : undefined;
        open = open.filter((index) => {
          const reason = refused.get(authorIds[index]!) ?? changed;
          if (reason) taken[index] = reason;
          return !reason;
        });
      }
      return taken;
    });
  }

  /** Moves the room's counter up to at least `seq`, after a seq turned out to be taken already. */
  async repairSeq(siteId: string, roomId: string, seq: number): Promise<void> {
    await this.queued(siteId, roomId, () => this.rooms.updateOne({ _id: roomKey(siteId, roomId) }, { $max: { lastSeq: seq } }));
  }

  /**
   * Runs this node's writes to one room document one after another. MongoDB applies each update atomically
   * anyway (queueing only spares it write conflicts), but FerretDB v1 does not: concurrent updates of one
   * document lose each other (200 concurrent `$inc` of a counter add up to about 15), so a send could reuse a
   * seq or undo a mute.
   */
  private queued<T>(siteId: string, roomId: string, write: () => Promise<T>): Promise<T> {
    const key = `${siteId}/${roomId}`;
    const next = (this.writeQueue.get(key) ?? Promise.resolve()).catch(() => undefined).then(write);
    this.writeQueue.set(key, next);
    // forget an idle queue, so the map holds only rooms with a write in flight
    const forget = () => void (this.writeQueue.get(key) === next && this.writeQueue.delete(key));
    next.then(forget, forget);
    return next;
  }

  /** Whether a user may write in a room now (edits): throws the reason when not. */
  async assertWritable(siteId: string, roomId: string, userId: string): Promise<void> {
    const reason = refusal(await this.find(siteId, roomId), userId, new Date());
    if (reason) throw reason;
  }
}

/** Why a room refuses a message of `userId` now: it does not exist, is archived or has muted the user. */
function refusal(room: RoomDocument | null, userId: string, now: Date): AppError | undefined {
  if (!room) return notFound('room');
  if (room.archivedAt) return forbidden('the room is archived');
  const until = room.mutedUntil?.[userId];
  if (until && until > now) return forbidden(`you are muted in this room until ${until.toISOString()}`, until.getTime() - now.getTime());
  return undefined;
}
