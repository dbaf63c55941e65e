import type { Logger } from 'pino';
import type { PresenceUser, Role } from '../../sdk/protocol';
import { type ChatServer, type ChatSocket, roomChannel, roomOfChannel } from './types';

const collator = new Intl.Collator();
const byName = (a: PresenceUser, b: PresenceUser) => collator.compare(a.displayName, b.displayName) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
// how long a join waits for the other nodes' lists; a node that died answers nobody until the adapter drops it
const FETCH_TIMEOUT_MS = 2_000;

/**
 * One room's online list on this node, kept as sockets join and leave, so a join costs the same with 10 or 10,000
 * people present: the users with a socket here, those within their grace period, and both sorted by name.
 */
class RoomOnline {
  /** Users with a socket of this node in the room, and which sockets. */
  readonly connected = new Map<string, { user: PresenceUser; sockets: Set<string> }>();
  /** Users whose last socket here left less than the grace period ago. */
  readonly leaving = new Map<string, { user: PresenceUser; timer: NodeJS.Timeout }>();
  /** Everyone above, once, by name: kept sorted as users come and go. */
  readonly sorted: PresenceUser[] = [];

  get empty(): boolean {
    return this.connected.size === 0 && this.leaving.size === 0;
  }

  listed(userId: string): boolean {
    return this.connected.has(userId) || this.leaving.has(userId);
  }

  /** Adds a user to the sorted list (binary search: O(log n) comparisons). */
  insert(user: PresenceUser): void {
    this.sorted.splice(this.indexOf(user), 0, user);
  }

  /** A listed user's new name (they signed in again as renamed): their entries and their place in the list. */
  rename(user: PresenceUser): void {
    const known = this.connected.get(user.id)?.user ?? this.leaving.get(user.id)?.user;
    if (!known || known.displayName === user.displayName) return;
    const index = this.indexOf(known);
    if (this.sorted[index]?.id === user.id) this.sorted.splice(index, 1);
    const connected = this.connected.get(user.id);
    if (connected) connected.user = user;
    const leaving = this.leaving.get(user.id);
    if (leaving) leaving.user = user;
    this.insert(user);
  }

  /** Removes a user from the sorted list, unless they are still connected or leaving. */
  removeUnlisted(user: PresenceUser): void {
    if (this.listed(user.id)) return;
    const index = this.indexOf(user);
    if (this.sorted[index]?.id === user.id) this.sorted.splice(index, 1);
  }

  private indexOf(user: PresenceUser): number {
    let low = 0;
    let high = this.sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (byName(this.sorted[middle]!, user) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

/**
 * The online list of each room: one entry per user, however many sockets they have, in every node. A user
 * whose last socket closes stays listed for `graceMs`, so a page reload or a network blip is not a leave.
 *
 * Each node keeps its own sockets' lists (RoomOnline). With more than one node (Redis), a join also asks the other
 * nodes for theirs (`presence:users`, answered from the same lists), never for their sockets.
 */
export class Presence {
  // per room channel, this node's online list
  private readonly rooms = new Map<string, RoomOnline>();
  // shutting down: sockets leave because the node stops, not because people went; and Redis may be gone
  private closed = false;
  // per room this node has sockets in: who was online at the last sync, and since when someone is missing
  private readonly synced = new Map<string, Map<string, { user: PresenceUser; missingSince?: number }>>();
  private readonly syncTimer: NodeJS.Timeout | undefined;

  /**
   * `syncMs`: how often the node compares each of its rooms' online list with what its clients were told, and
   * repairs the difference. Joins and leaves are broadcast as they happen; this catches what no node announced: the
   * users of a node that died (the adapter drops a silent node after 10 s), or deltas lost while Redis was away.
   * `clustered`: other nodes may exist (a Redis adapter), so lists are asked of them too.
   */
  constructor(
    private readonly io: ChatServer,
    private readonly graceMs: number,
    private readonly log: Logger,
    syncMs = 0,
    private readonly clustered = false,
  ) {
    if (clustered) {
      // another node's join asks for this node's list of a room
      io.on('presence:users', (channel: string, answer: (users: PresenceUser[]) => void) => answer(this.rooms.get(channel)?.sorted ?? []));
    }
    if (syncMs > 0) {
      this.syncTimer = setInterval(() => {
        this.sync().catch((error: unknown) => this.log.warn({ err: error }, 'presence sync failed'));
      }, syncMs);
      this.syncTimer.unref();
    }
  }

  /** Tells this node's own sockets about users who went or came without an announcement (see the constructor). */
  async sync(): Promise<void> {
    const rooms = new Map<string, { siteId: string; roomId: string }>();
    for (const name of this.io.of('/').adapter.rooms.keys()) {
      const room = roomOfChannel(name);
      if (room) rooms.set(name, room);
    }
    for (const channel of this.synced.keys()) if (!rooms.has(channel)) this.synced.delete(channel);
    for (const [channel, { siteId, roomId }] of rooms) {
      if (this.closed) return;
      const online = new Map((await this.online(siteId, roomId)).map((user) => [user.id, user]));
      const known = this.synced.get(channel);
      if (!known) {
        this.synced.set(channel, new Map([...online].map(([id, user]) => [id, { user }])));
        continue;
      }
      // each node tells only its own sockets, so a repair reaches every client once
      const local = this.io.local.to(channel);
      for (const [id, user] of online) {
        if (!known.has(id)) local.emit('presence:join', { roomId, user });
        known.set(id, { user });
      }
      const now = Date.now();
      for (const [id, entry] of known) {
        if (online.has(id)) continue;
        // another node may hold them in its grace period, which this node cannot see: wait as long before saying so
        entry.missingSince ??= now;
        if (now - entry.missingSince < this.graceMs) continue;
        known.delete(id);
        local.emit('presence:leave', { roomId, user: entry.user });
      }
    }
  }

  /** The full list, sorted by name: users with a socket in the room, and those still within their grace period. */
  async online(siteId: string, roomId: string): Promise<PresenceUser[]> {
    const channel = roomChannel(siteId, roomId);
    return merge(this.rooms.get(channel)?.sorted ?? [], await this.elsewhere(channel));
  }

  /**
   * Call before the socket joins the room's channel: from here on the socket counts as in the room. Once it has
   * joined, `announce()` tells the others when the user is new to the room (not when they open another tab or come
   * back within grace), and `online()` is the list for the joining client.
   */
  async beforeJoin(socket: ChatSocket, roomId: string): Promise<{ announce(): void; online(): PresenceUser[] }> {
    const { siteId, user } = socket.data;
    const channel = roomChannel(siteId, roomId);
    const elsewhere = await this.elsewhere(channel);
    const room = this.roomOf(channel);
    const listedHere = room.listed(user.id);
    if (listedHere) room.rename(presenceOf(user));
    const returning = room.leaving.get(user.id);
    if (returning) {
      clearTimeout(returning.timer);
      room.leaving.delete(user.id);
    }
    const entry = room.connected.get(user.id);
    if (entry) entry.sockets.add(socket.id);
    else room.connected.set(user.id, { user: presenceOf(user), sockets: new Set([socket.id]) });
    if (!listedHere) room.insert(presenceOf(user));

    const present = listedHere || elsewhere.some((other) => other.id === user.id);
    return {
      // two tabs joining at once on two nodes may both announce: clients keep one entry per user id
      announce: () => void (present || socket.to(channel).emit('presence:join', { roomId, user: presenceOf(user) })),
      online: () => merge(room.sorted, elsewhere),
    };
  }

  /**
   * A socket has left the room (closed, or left it on purpose): the user leaves with it unless they have another,
   * announced once the grace period has passed without them coming back — so a reload, a blip, or a client that
   * leaves and joins in a loop announces nothing.
   */
  async left(siteId: string, roomId: string, user: PresenceUser, socketId: string): Promise<void> {
    if (this.closed) return;
    const channel = roomChannel(siteId, roomId);
    const room = this.rooms.get(channel);
    const entry = room?.connected.get(user.id);
    if (!room || !entry?.sockets.delete(socketId) || entry.sockets.size > 0) return;
    room.connected.delete(user.id);
    if (this.graceMs === 0) {
      room.removeUnlisted(entry.user);
      this.forgetIfEmpty(channel, room);
      return this.announceLeaveUnlessElsewhere(channel, roomId, entry.user);
    }
    const timer = setTimeout(() => {
      if (room.leaving.get(user.id)?.timer !== timer) return;
      room.leaving.delete(user.id);
      room.removeUnlisted(entry.user);
      this.forgetIfEmpty(channel, room);
      // they may have come back through this node (then they are listed again) or another one meanwhile
      if (!room.listed(user.id)) this.announceLeaveUnlessElsewhere(channel, roomId, entry.user).catch((error: unknown) => this.log.warn({ err: error }, 'presence update failed'));
    }, this.graceMs);
    timer.unref();
    room.leaving.set(user.id, { user: entry.user, timer });
  }

  /** Stops the grace timers (shutdown); their users are gone with this node. */
  close(): void {
    this.closed = true;
    clearInterval(this.syncTimer);
    for (const room of this.rooms.values()) for (const { timer } of room.leaving.values()) clearTimeout(timer);
    this.rooms.clear();
  }

  private roomOf(channel: string): RoomOnline {
    let room = this.rooms.get(channel);
    if (!room) this.rooms.set(channel, (room = new RoomOnline()));
    return room;
  }

  private forgetIfEmpty(channel: string, room: RoomOnline): void {
    if (room.empty && this.rooms.get(channel) === room) this.rooms.delete(channel);
  }

  private async announceLeaveUnlessElsewhere(channel: string, roomId: string, user: PresenceUser): Promise<void> {
    if (this.clustered && (await this.elsewhere(channel)).some((other) => other.id === user.id)) return;
    // back through this node while the others were asked (up to their timeout): they were announced as joining
    if (this.rooms.get(channel)?.listed(user.id)) return;
    this.io.to(channel).emit('presence:leave', { roomId, user });
  }

  /**
   * The room's users on the other nodes (none without Redis). When a node does not answer (it died less than the
   * adapter's 10 s ago, or Redis is away), the users of the last sync: joins, sends and leaves go on, and the next
   * sync repairs what this guess got wrong.
   */
  private async elsewhere(channel: string): Promise<PresenceUser[]> {
    if (!this.clustered) return [];
    try {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${FETCH_TIMEOUT_MS} ms`)), FETCH_TIMEOUT_MS);
      });
      try {
        return (await Promise.race([this.io.serverSideEmitWithAck('presence:users', channel), timedOut])).flat();
      } finally {
        clearTimeout(timer);
      }
    } catch (error) {
      this.log.warn({ err: error, channel }, 'a node did not answer for presence; using the last known online list');
      return [...(this.synced.get(channel)?.values() ?? [])].map(({ user }) => user);
    }
  }
}

/** `here` (sorted) with the users of `elsewhere` not in it, sorted by name; `here` itself when there are none. */
function merge(here: readonly PresenceUser[], elsewhere: readonly PresenceUser[]): PresenceUser[] {
  if (elsewhere.length === 0) return [...here];
  const users = new Map(here.map((user) => [user.id, user]));
  for (const user of elsewhere) users.set(user.id, user);
  return [...users.values()].sort(byName);
}

const presenceOf = (user: PresenceUser & { role?: Role }): PresenceUser => ({
  id: user.id,
  displayName: user.displayName,
  ...(user.guest || user.role === 'guest' ? { guest: true as const } : {}),
});
