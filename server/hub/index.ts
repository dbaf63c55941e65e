import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import { Server } from 'socket.io';
import type { RateLimits } from '../config';
import type { Repositories } from '../db';
import { SessionStore } from '../db/sessions';
import { authenticateSockets } from './auth';
import { registerMessageHandlers } from './messages';
import { registerRoomHandlers } from './rooms';
import { createSendLimiter } from './send-limit';
import { registerTypingHandlers } from './typing';
import type { ChatServer } from './types';

export interface HubOptions {
  httpServer: HttpServer;
  repositories: Repositories;
  sessionKeys: string[];
  sessionIdleMs: number;
  publicUrl: string | undefined;
  rateLimits: RateLimits;
  log: Logger;
}

export interface Hub {
  io: ChatServer;
  /** Disconnects every socket of a session that ended (logout). */
  endSession(token: string): void;
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
export function createHub({ httpServer, repositories, sessionKeys, sessionIdleMs, publicUrl, rateLimits, log }: HubOptions): Hub {
  const sendLimiter = createSendLimiter(rateLimits);
  const io: ChatServer = new Server(httpServer, {
    serveClient: false,
    // a chat event is small; anything bigger is refused before it is parsed
    maxHttpBufferSize: 16 * 1024,
    pingInterval: 10_000,
    pingTimeout: 5_000,
    // long-polling from another website needs CORS; which site the socket is for is checked at the handshake
    cors: { origin: corsOrigins(repositories), methods: ['GET', 'POST'] },
  });

  io.use(authenticateSockets(repositories, { sessionKeys, sessionIdleMs, publicUrl }));
  io.on('connection', (socket) => {
    registerRoomHandlers(io, socket, repositories, log);
    registerMessageHandlers(socket, repositories, sendLimiter, log);
    registerTypingHandlers(socket, log);
  });

  return {
    io,
    endSession: (token) => {
      const group = SessionStore.groupOf(token);
      // tell first, so clients show the login form instead of reconnecting
      io.to(group).emit('session:ended');
      io.in(group).disconnectSockets(true);
    },
    close: () => new Promise<void>((resolve) => io.close(() => resolve())),
  };
}
