import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import { Server } from 'socket.io';
import type { Repositories } from '../db';
import { SessionStore } from '../db/sessions';
import { authenticateSockets } from './auth';
import { registerMessageHandlers } from './messages';
import { registerRoomHandlers } from './rooms';
import type { ChatServer } from './types';

export interface HubOptions {
  httpServer: HttpServer;
  repositories: Repositories;
  sessionKeys: string[];
  sessionIdleMs: number;
  publicUrl: string | undefined;
  log: Logger;
}

export interface Hub {
  io: ChatServer;
  /** Disconnects every socket of a session that ended (logout). */
  endSession(token: string): void;
  close(): Promise<void>;
}

/** The Socket.IO hub on the HTTP server, authenticated by the same session as the API. */
export function createHub({ httpServer, repositories, sessionKeys, sessionIdleMs, publicUrl, log }: HubOptions): Hub {
  const io: ChatServer = new Server(httpServer, {
    serveClient: false,
    // a chat event is small; anything bigger is refused before it is parsed
    maxHttpBufferSize: 16 * 1024,
    pingInterval: 10_000,
    pingTimeout: 5_000,
  });

  io.use(authenticateSockets(repositories, { sessionKeys, sessionIdleMs, publicUrl }));
  io.on('connection', (socket) => {
    registerRoomHandlers(io, socket, repositories, log);
    registerMessageHandlers(socket, repositories, log);
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
