import type { Logger } from 'pino';
import type { PresenceUser } from '../../sdk/protocol';
import { type ChatServer, type ChatSocket, roomChannel, roomOfChannel } from './types';

const byName = (a: PresenceUser, b: PresenceUser) => a.displayName.localeCompare(b.displayName);
// how long a join waits for the other nodes' sockets; a node that died answers nobody until the adapter drops it
const FETCH_TIMEOUT_MS = 2_000;

/**
 * The online list of each room: one entry per user, however many sockets they have, in every node. A user
 * whose last socket closes stays listed for `graceMs`, so a page reload or a network blip is not a leave.
 */
export class Presence {
  // users within their grace period, by `site \n room \n user`; a node keeps those of its own sockets
  private readonly leaving = new Map<string, { user: PresenceUser; timer: NodeJS.Timeout }>();
  // shutting down: sockets leave because the node stops, not because people went; and Redis may be gone
  private closed = false;
  // per room this node has sockets in: who was online at the last sync, and since when someone is missing
  private readonly synced = new Map<string, Map<string, { user: PresenceUser; missingSince?: number }>>();
  private readonly syncTimer: NodeJS.Timeout | undefined;

  /**
   * `syncMs`: how often the node compares each of its rooms' online list with what its clients were told, and
   * repairs the difference. Joins and leaves are broadcast as they happen; this catches what no node announced: the
   * users of a node that died (the adapter drops a silent node after 10 s), or deltas lost while Redis was away.
   */
  constructor(
    private readonly io: ChatServer,
    private readonly graceMs: number,
    private readonly log: Logger,
    syncMs = 0,
  ) {
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

  /** The full list: users with a socket in the room, and those still within their grace period. */
  async online(siteId: string, roomId: string): Promise<PresenceUser[]> {
    return this.withLeaving(siteId, roomId, await this.connectedUsers(siteId, roomId));
  }

  /** `users` and those of the room within their grace period, sorted by name. */
  private withLeaving(siteId: string, roomId: string, users: Map<string, PresenceUser>): PresenceUser[] {
    for (const [id, { user }] of this.leaving) if (id.startsWith(`${siteId}\n${roomId}\n`)) users.set(user.id, user);
    return [...users.values()].sort(byName);
  }

  /**
   * Call before the socket joins the room's channel. Once it has joined, `announce()` tells the others when the
   * user is new to the room (not when they open another tab or come back within grace), and `online()` is the
   * list for the joining client — from the same one look at every node's sockets, as a join costs one such look.
   */
  async beforeJoin(socket: ChatSocket, roomId: string): Promise<{ announce(): void; online(): PresenceUser[] }> {
    const { siteId, user } = socket.data;
    const users = await this.connectedUsers(siteId, roomId);
    const online = () => this.withLeaving(siteId, roomId, users.set(user.id, presenceOf(user)));
    const pending = this.leaving.get(key(siteId, roomId, user.id));
    if (pending) {
      clearTimeout(pending.timer);
      this.leaving.delete(key(siteId, roomId, user.id));
      return { announce: () => undefined, online };
    }
    const present = users.has(user.id);
    return {
      // two tabs joining at once may both announce: clients keep one entry per user id
      announce: () => void (present || socket.to(roomChannel(siteId, roomId)).emit('presence:join', { roomId, user: presenceOf(user) })),
      online,
    };
  }

  /**
   * A socket has left the room (closed, or left it on purpose): the user leaves with it unless they have another,
   * announced once the grace period has passed without them coming back — so a reload, a blip, or a client that
   * leaves and joins in a loop announces nothing.
   */
  async left(siteId: string, roomId: string, user: PresenceUser): Promise<void> {
    if (this.closed) return;
    if ((await this.connectedUsers(siteId, roomId)).has(user.id)) return;
    const id = key(siteId, roomId, user.id);
    if (this.graceMs === 0) return this.announceLeave(siteId, roomId, user);
    if (this.leaving.has(id)) return;
    const timer = setTimeout(() => {
      this.leaving.delete(id);
      // they may have come back through another node meanwhile
      this.connectedUsers(siteId, roomId)
        .then((users) => (users.has(user.id) ? undefined : this.announceLeave(siteId, roomId, user)))
        .catch((error: unknown) => this.log.warn({ err: error }, 'presence update failed'));
    }, this.graceMs);
    timer.unref();
    this.leaving.set(id, { user: presenceOf(user), timer });
  }

  /** Stops the grace timers (shutdown); their users are gone with this node. */
  close(): void {
    this.closed = true;
    clearInterval(this.syncTimer);
    for (const { timer } of this.leaving.values()) clearTimeout(timer);
    this.leaving.clear();
  }

  private announceLeave(siteId: string, roomId: string, user: PresenceUser): void {
    this.io.to(roomChannel(siteId, roomId)).emit('presence:leave', { roomId, user: presenceOf(user) });
  }

  /**
   * Users with a socket in the room on any node. When a node does not answer (it died less than the adapter's
   * 10 s ago, or Redis is away), this node's own sockets plus the users of the last sync: joins, sends and leaves
   * go on, and the next sync repairs what this guess got wrong.
   */
  private async connectedUsers(siteId: string, roomId: string): Promise<Map<string, PresenceUser>> {
    const channel = roomChannel(siteId, roomId);
    const users = new Map<string, PresenceUser>();
    let sockets;
    try {
      sockets = await this.io.in(channel).timeout(FETCH_TIMEOUT_MS).fetchSockets();
    } catch (error) {
      this.log.warn({ err: error, siteId, roomId }, 'a node did not answer for presence; using the last known online list');
      sockets = await this.io.local.in(channel).fetchSockets();
      for (const [id, { user }] of this.synced.get(channel) ?? []) users.set(id, user);
    }
    for (const { data } of sockets) if (data.user) users.set(data.user.id, presenceOf(data.user));
    return users;
  }
}

const key = (siteId: string, roomId: string, userId: string) => `${siteId}\n${roomId}\n${userId}`;
const presenceOf = (user: PresenceUser): PresenceUser => ({ id: user.id, displayName: user.displayName });
