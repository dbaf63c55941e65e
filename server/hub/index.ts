import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import type { Webhooks } from '../webhooks/webhooks';
import type { MessageDocument } from '../db/messages';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { Server } from 'socket.io';
import type { RateLimits } from '../config';
import type { Metrics } from '../metrics';
import type { RedisClient } from '../redis';
import type { Repositories } from '../db';
import { SessionStore } from '../db/sessions';
import { authenticateSockets } from './auth';
import type { SiteWordFilters } from '../moderation/site-word-filters';
import { registerMessageHandlers } from './messages';
import { registerRoomHandlers } from './rooms';
import { answerUnknownEvents } from './ack';
import { SendBatcher } from './send-batcher';
import { dropWhenStuck } from './slow-consumers';
import { createRoomRequestLimiter, createSendLimiter } from './send-limit';
import { createTypingThrottle, registerTypingHandlers } from './typing';
import { endWithSession } from './session-expiry';
import { SlowMode } from '../moderation/slow-mode';
import type { ReportDesk } from '../moderation/reports';
import { registerReportHandlers } from './reports';
import type { SiteActivity } from './activity';
import { Presence } from './presence';
import { type ChatServer, roomChannel, signedIn, userChannel } from './types';
import type { PrePublishHooks } from '../moderation/pre-publish';
import type { SiteSettingsCache } from '../moderation/site-settings';
import type { Message, RoomInfo, SessionEnded } from '../../sdk/protocol';
// reactions
import { createReactionLimiter, registerReactionHandlers } from './reactions';
// pinned messages and search in a room
import { Pins, registerPinHandlers } from './pins';
import { createSearchLimits, registerSearchHandlers } from './search';

export interface HubOptions {
  httpServer: HttpServer;
  repositories: Repositories;
  sessionKeys: string[];
  sessionIdleMs: number;
  publicUrl: string | undefined;
  rateLimits: RateLimits;
  /** How long a user whose last socket closed stays in the online list. */
  presenceGraceMs: number;
  /** How often each node repairs its clients' online lists; 0 turns it off. */
  presenceSyncMs: number;
  /** With Redis, broadcasts, presence and typing reach the sockets of every node. */
  redis?: RedisClient;
  /** Bytes that may wait for one client before its connection is dropped. */
  slowClientMaxBytes: number;
  /** The sites' word filters, applied to every message and edit. */
  wordFilters: SiteWordFilters;
  /** Reports of messages, filed over the socket. */
  reports: ReportDesk;
  /** The sites' access and posting rights. */
  siteSettings: SiteSettingsCache;
  /** The sites' pre-publish hooks, asked before a message or an edit is stored. */
  prePublish: PrePublishHooks;
  /** Counts the messages this node stores, for the console's Overview. */
  activity: SiteActivity;
  /** Outbound webhooks: messages and reactions are queued before they are acknowledged. */
  webhooks: Webhooks;
  /** Called with each new message once stored and broadcast, and awaited before the ack (email digests note it). */
  onMessageStored?: (siteId: string, message: MessageDocument) => Promise<void>;
  log: Logger;
  metrics: Metrics;
}

export interface Hub {
  io: ChatServer;
  /** Disconnects every socket of a session that ended (logout). */
  endSession(token: string): void;
  /** Ends every socket of a user, on every node (a ban; an erased account says so). */
  endUser(siteId: string, userId: string, reason?: SessionEnded['reason']): void;
  /** Tells a room's sockets that it was renamed, archived or unarchived. */
  /** Tells the room's sockets, and every node, that a room was renamed, archived, slowed or paused. */
  roomUpdated(siteId: string, room: RoomInfo): void;
  /** Tells a room's sockets, on every node, that a message changed outside a socket's own request (reports). */
  messageUpdated(siteId: string, message: Message): void;
  /** How many users are online in the site now, in any of its rooms, on every node. */
  onlineCount(siteId: string): Promise<number>;
  /** Whether the user has a socket open, on any node. */
  isOnline(siteId: string, userId: string): Promise<boolean>;
  close(): Promise<void>;
}

const CORS_CACHE_MS = 10_000;

/** Allows the origins some site allows; answers are cached briefly, as every long-poll asks again. */
function corsOrigins(repositories: Repositories) {
  const cache = new Map<string, { allowed: boolean; until: number }>();
  return (origin: string | undefined, callback: (error: Error | null, allow?: boolean) => void): void => {
    if (!origin) return callback(null, false);
    const hit = cache.get(origin);
    if (hit && hit.until > Date.now()) return callback(null, hit.allowed);
    repositories.sites.allowsAnywhere(origin).then(
      (allowed) => {
        if (cache.size > 1_000) cache.clear(); // bounded: origins are attacker-chosen strings
        cache.set(origin, { allowed, until: Date.now() + CORS_CACHE_MS });
        callback(null, allowed);
      },
      () => callback(null, false),
    );
  };
}

/** The Socket.IO hub on the HTTP server, authenticated by the same session as the API. */
export function createHub(options: HubOptions): Hub {
  const { httpServer, repositories, rateLimits, presenceGraceMs, presenceSyncMs, redis, log, metrics } = options;
  const sendLimiter = createSendLimiter(rateLimits, redis, (limit) => metrics.rateLimited(limit));
  const roomRequests = createRoomRequestLimiter(rateLimits, redis, (limit) => metrics.rateLimited(limit));
  const typingRelays = createTypingThrottle(redis);
  const reactionLimiter = createReactionLimiter(rateLimits.reactionsPerUser, redis, (limit) => metrics.rateLimited(limit));
  const sends = new SendBatcher(repositories.rooms, repositories.messages, log, (message) => options.activity.count(message));
  const searchLimits = createSearchLimits(redis, () => metrics.rateLimited('room_requests'));
  const io: ChatServer = new Server(httpServer, {
    serveClient: false,
    // a chat event is small; anything bigger is refused before it is parsed
    maxHttpBufferSize: 16 * 1024,
    pingInterval: 10_000,
    pingTimeout: 5_000,
    // long-polling from another website needs CORS; which site the socket is for is checked at the handshake
    cors: { origin: corsOrigins(repositories), methods: ['GET', 'POST'] },
    // Redis Streams: resumes after a Redis blip without losing packets (the stream keeps them)
    ...(redis ? { adapter: createAdapter(redis) } : {}),
  });

  const presence = new Presence(io, presenceGraceMs, log, presenceSyncMs, redis !== undefined);
  const pins = new Pins(repositories, options.siteSettings, io, log);
  const slowMode = new SlowMode(repositories.rooms, redis);
  // a room's settings changed through another node
  io.on('room:changed', (siteId, roomId) => slowMode.forget(siteId, roomId));

  io.use(authenticateSockets(repositories, options));
  metrics.countSocketsWith(() => io.of('/').sockets.size);
  io.on('connection', (socket) => {
    // every line a handler logs (a failed event, withAck) says which socket, site and user it was about
    const socketLog = log.child({ socketId: socket.id, siteId: socket.data.siteId, userId: socket.data.user?.id ?? 'reader' });
    socketLog.debug('socket connected');
    socket.once('disconnect', (reason) => socketLog.debug({ reason }, 'socket disconnected'));
    dropWhenStuck(socket, log, options.slowClientMaxBytes);
    registerRoomHandlers(socket, { repositories, presence, siteSettings: options.siteSettings }, roomRequests, socketLog);
    registerSearchHandlers(socket, { repositories, limits: searchLimits }, socketLog);
    const member = signedIn(socket);
    if (member) {
      endWithSession(member, repositories.sessions, options.sessionIdleMs, socketLog);
      const { wordFilters, siteSettings, prePublish, reports, webhooks, onMessageStored } = options;
      registerMessageHandlers(member, { repositories, sendLimiter, sends, wordFilters, siteSettings, prePublish, slowMode, reports, pins, webhooks, onMessageStored }, socketLog, metrics);
      registerTypingHandlers(member, repositories, typingRelays, socketLog);
      registerReportHandlers(member, { reports, sendLimiter }, socketLog);
      registerReactionHandlers(member, { repositories, siteSettings, limiter: reactionLimiter, webhooks }, socketLog);
      registerPinHandlers(member, { repositories, pins, sendLimiter }, socketLog);
    }
    // a reader's socket has the room handlers only: whatever writes is answered `unauthorized`
    answerUnknownEvents(socket);
  });

  return {
    io,
    endSession: (token) => {
      const group = SessionStore.groupOf(token);
      // tell first, so clients show the login form instead of reconnecting
      io.to(group).emit('session:ended', { reason: 'logout' });
      io.in(group).disconnectSockets(true);
    },
    endUser: (siteId, userId, reason = 'banned') => {
      const channel = userChannel(siteId, userId);
      io.to(channel).emit('session:ended', { reason });
      io.in(channel).disconnectSockets(true);
    },
    messageUpdated: (siteId, message) => {
      io.to(roomChannel(siteId, message.roomId)).emit('message:updated', message);
      // a pinned message's pin follows it (a deleted one is unpinned)
      pins.follow(siteId, message);
    },
    roomUpdated: (siteId, room) => {
      slowMode.forget(siteId, room.id);
      if (redis) io.serverSideEmit('room:changed', siteId, room.id);
      io.to(roomChannel(siteId, room.id)).emit('room:updated', room);
    },
    isOnline: async (siteId, userId) => (await io.in(userChannel(siteId, userId)).fetchSockets()).length > 0,
    onlineCount: async (siteId) => {
      const users = new Set<string>();
      for (const room of await repositories.rooms.list(siteId)) for (const user of await presence.online(siteId, room.roomId)) users.add(user.id);
      return users.size;
    },
    close: async () => {
      presence.close();
      // the batches in flight are stored and acked while their sockets are still open; later sends are refused
      await sends.close();
      await new Promise<void>((resolve) => io.close(() => resolve()));
    },
  };
}
