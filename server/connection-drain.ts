import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionDrain {
  /**
   * Ends every connection as soon as it carries no request: idle ones now, busy ones once their response is sent.
   * WebSockets are Socket.IO's to close.
   */
  drain(): void;
}

// while draining, a new connection without a request for this long is a browser's spare one, not a client
const DRAINING_IDLE_MS = 1_000;

/**
 * Counts the requests in flight on each connection of `server`, so that shutdown can end connections promptly.
 * Node's own server.close() ends only the connections idle at that moment: a browser's keep-alive connection
 * busy with a long-poll then, or a spare one it opened and never used, held close() for 5 to 10 s.
 */
export function trackConnections(server: Server): ConnectionDrain {
  const requestsInFlight = new Map<Socket, number>();
  let draining = false;
  const endIfIdle = (socket: Socket) => {
    if (draining && requestsInFlight.get(socket) === 0) socket.destroy();
  };

  server.on('connection', (socket: Socket) => {
    requestsInFlight.set(socket, 0);
    socket.once('close', () => requestsInFlight.delete(socket));
    // the server's own timeout handler destroys a socket nobody else answers for
    if (draining) socket.setTimeout(DRAINING_IDLE_MS);
  });
  server.on('request', (request, response) => {
    const socket = request.socket;
    if (!requestsInFlight.has(socket)) return; // upgraded, or handed over without 'connection'
    requestsInFlight.set(socket, (requestsInFlight.get(socket) ?? 0) + 1);
    if (draining) response.shouldKeepAlive = false;
    response.once('close', () => {
      const left = (requestsInFlight.get(socket) ?? 1) - 1;
      if (requestsInFlight.has(socket)) requestsInFlight.set(socket, left);
      endIfIdle(socket);
    });
  });
  // from here on a WebSocket: Socket.IO closes it (io.close) with a close handshake
  server.on('upgrade', (request) => requestsInFlight.delete(request.socket));

  return {
    drain() {
      draining = true;
      for (const socket of requestsInFlight.keys()) endIfIdle(socket);
    },
  };
}
