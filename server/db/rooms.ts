import type { Collection, Db } from 'mongodb';
import type { Access, Author, PinnedMessage, Role, RoomInfo, UpdateRoomRequest } from '../../sdk/protocol';
import { hasRank } from '../../sdk/roles';
import { AppError, conflict, forbidden, isDuplicateKey, notFound } from '../errors';

/** A room; `_id` is `<site>:<room>` (roomKey), so a join and a send read and write it by `_id` alone. */
export interface RoomDocument {
  _id: string;
  siteId: string;
  roomId: string;
  name: string;
  lastSeq: number;
  createdAt: Date;
  archivedAt?: Date;
  /** Slow mode: seconds between two messages of one member (absent: off). */
  slowModeSeconds?: number;
  /** Set while the room is paused: only moderators post. */
  pausedAt?: Date;
  /** The room's own access; unset: the site's. */
  access?: Access;
  /** Muted users of this room: user id → until when. Kept on the room so a send checks it in the same write. */
  mutedUntil?: Record<string, Date>;
  /** Pinned messages, the most recently pinned first (server/hub/pins.ts); `pinsVersion` counts their changes. */
  pinned?: PinDocument[];
  pinsVersion?: number;
}

/** A pinned message as the room keeps it: what a pin bar shows, so a join needs no read of the messages. */
export interface PinDocument {
  seq: number;
  author: Author;
  excerpt: string;
  pinnedAt: Date;
  hidden?: true;
}

const presentPin = ({ seq, author, excerpt, pinnedAt, hidden }: PinDocument): PinnedMessage => ({
  seq,
  author: { id: author.id, displayName: author.displayName },
  excerpt,
  pinnedAt: pinnedAt.toISOString(),
  ...(hidden ? { hidden } : {}),
});

/** The room every site has; it can be renamed but not archived. */
export const DEFAULT_ROOM = 'general';

// a refused batch is taken again without the refused messages; more than this means the room keeps changing
const MAX_TAKE_ATTEMPTS = 3;

export const roomKey = (siteId: string, roomId: string) => `${siteId}:${roomId}`;

/** A room as clients see it; `siteAccess` is the site's, which the room follows unless it sets its own. */
export const presentRoom = (room: RoomDocument, siteAccess: Access): RoomInfo => ({
  id: room.roomId,
  name: room.name,
  archived: room.archivedAt !== undefined,
  slowModeSeconds: room.slowModeSeconds ?? 0,
  paused: room.pausedAt !== undefined,
  access: room.access ?? siteAccess,
  ...(room.pinned?.length ? { pinned: room.pinned.map(presentPin) } : {}),
});

/** Who writes to a room: a message's author. */
export interface Poster {
  id: string;
  /**
   * Whether they post in a paused room and outside slow mode (moderators and above). Asked only in such a room, so it can read
   * the role afresh: a revoked admin loses the power at once.
   */
  moderator(): Promise<boolean>;
}

/** A signed-in user as a poster; their role is read (once) when it matters. */
export function posterOf(siteId: string, userId: string, users: { findById(siteId: string, userId: string): Promise<{ role: Role } | null> }): Poster {
  let moderator: Promise<boolean> | undefined;
  return { id: userId, moderator: () => (moderator ??= users.findById(siteId, userId).then((user) => user !== null && hasRank(user.role, 'moderator'))) };
}

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

  /** Renames, archives, unarchives, slows, pauses, resumes or opens; null when the room does not exist. */
  async update(siteId: string, roomId: string, change: UpdateRoomRequest): Promise<RoomDocument | null> {
    if (change.archived && roomId === DEFAULT_ROOM) throw forbidden(`the ${DEFAULT_ROOM} room cannot be archived`);
    const set: Partial<RoomDocument> = {};
    const unset: Partial<Record<'archivedAt' | 'slowModeSeconds' | 'pausedAt' | 'access', ''>> = {};
    if (change.name !== undefined) set.name = change.name;
    if (change.archived === true) set.archivedAt = new Date();
    if (change.archived === false) unset.archivedAt = '';
    if (change.slowModeSeconds) set.slowModeSeconds = change.slowModeSeconds;
    if (change.slowModeSeconds === 0) unset.slowModeSeconds = '';
    if (change.paused === true) set.pausedAt = new Date();
    if (change.paused === false) unset.pausedAt = '';
    if (change.access) set.access = change.access;
    if (change.access === null) unset.access = '';
    const hasSet = Object.keys(set).length > 0;
    const hasUnset = Object.keys(unset).length > 0;
    // MongoDB refuses an empty update: a change of nothing is a read
    if (!hasSet && !hasUnset) return this.find(siteId, roomId);
    return this.queued(siteId, roomId, () =>
      this.rooms.findOneAndUpdate({ _id: roomKey(siteId, roomId) }, { ...(hasSet ? { $set: set } : {}), ...(hasUnset ? { $unset: unset } : {}) }, { returnDocument: 'after' }),
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
   * Takes one seq per message of a batch, `authors` holding each message's author, atomically and in one round
   * trip with the checks that may refuse them: the room exists, is not archived, is not paused (unless every author
   * is a moderator) and has muted none of the authors. Answers per message, in order: its seq (the batch's seqs are
   * consecutive, in the order given) or why it is refused. When the write is refused, one read of the room tells
   * which messages to refuse; the others are taken again without them.
   *
   * A node writes one room document at a time (`queued`). Across nodes on a database without atomic updates,
   * a seq handed out twice is caught by the unique index of messages (see `repairSeq`).
   */
  takeSeqs(siteId: string, roomId: string, authors: readonly Poster[]): Promise<Array<number | AppError>> {
    return this.queued(siteId, roomId, async () => {
      const taken: Array<number | AppError> = [];
      let open = authors.map((_, index) => index); // the messages still without a seq or a refusal
      const moderators = new Set<string>(); // posters found to be moderators in a paused room
      for (let attempt = 1; open.length > 0; attempt += 1) {
        const now = new Date();
        const posters = [...new Map(open.map((index) => [authors[index]!.id, authors[index]!])).values()];
        const unmuted = Object.fromEntries(posters.map(({ id }) => [`mutedUntil.${id}`, { $not: { $gt: now } }]));
        const unpaused = posters.every((poster) => moderators.has(poster.id)) ? {} : { pausedAt: { $exists: false } };
        const room = await this.rooms.findOneAndUpdate(
          { _id: roomKey(siteId, roomId), archivedAt: { $exists: false }, ...unpaused, ...unmuted },
          { $inc: { lastSeq: open.length } },
          { returnDocument: 'after' },
        );
        if (room) {
          const first = room.lastSeq - open.length + 1;
          open.forEach((index, k) => (taken[index] = first + k));
          break;
        }
        const known = await this.find(siteId, roomId);
        if (known?.pausedAt) for (const poster of posters) if (await poster.moderator()) moderators.add(poster.id);
        const refused = new Map(posters.map((poster) => [poster.id, refusal(known, poster.id, moderators.has(poster.id), now)]));
        // nothing refuses them now (unmuted, unarchived since the write): take again, a few times at most
        const changed = attempt === MAX_TAKE_ATTEMPTS ? conflict('roomId', 'the room changed; try again') : undefined;
        open = open.filter((index) => {
          const reason = refused.get(authors[index]!.id) ?? changed;
          if (reason) taken[index] = reason;
          return !reason;
        });
      }
      return taken;
    });
  }

  /**
   * Rewrites the room's pins with what `change` makes of them (undefined: leave them), through this node's queue of
   * writes to the room (FerretDB v1 would lose a seq's `$inc` to a concurrent write) and on the pins' version, so a
   * change made meanwhile by another node is read again rather than overwritten. Null when there is no such room.
   */
  changePins(siteId: string, roomId: string, change: (pins: readonly PinDocument[]) => PinDocument[] | undefined): Promise<{ room: RoomDocument; changed: boolean } | null> {
    return this.queued(siteId, roomId, async () => {
      for (let attempt = 1; ; attempt += 1) {
        const room = await this.find(siteId, roomId);
        if (!room) return null;
        const pins = change(room.pinned ?? []);
        if (!pins) return { room, changed: false };
        const version = room.pinsVersion === undefined ? { $exists: false } : room.pinsVersion;
        const updated = await this.rooms.findOneAndUpdate({ _id: room._id, pinsVersion: version }, { $set: { pinned: pins }, $inc: { pinsVersion: 1 } }, { returnDocument: 'after' });
        if (updated) return { room: updated, changed: true };
        if (attempt === MAX_TAKE_ATTEMPTS) throw conflict('seq', 'the pins changed; try again');
      }
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

  /** Whether a user may write in a room now (edits, typing): throws the reason when not. */
  async assertWritable(siteId: string, roomId: string, poster: Poster): Promise<void> {
    const room = await this.find(siteId, roomId);
    const reason = refusal(room, poster.id, room?.pausedAt !== undefined && (await poster.moderator()), new Date());
    if (reason) throw reason;
  }
}

/** Why a room refuses a message of `userId` now: it does not exist, is archived, is paused (to all but moderators) or has muted them. */
function refusal(room: RoomDocument | null, userId: string, moderator: boolean, now: Date): AppError | undefined {
  if (!room) return notFound('room');
  if (room.archivedAt) return new AppError('forbidden', 'the room is archived', undefined, undefined, 'archived');
  if (room.pausedAt && !moderator) return new AppError('forbidden', 'the room is paused: only moderators can post', undefined, undefined, 'paused');
  const until = room.mutedUntil?.[userId];
  if (until && until > now) return new AppError('forbidden', `you are muted in this room until ${until.toISOString()}`, undefined, until.getTime() - now.getTime(), 'muted');
  return undefined;
}
