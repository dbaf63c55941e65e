import type { Logger } from 'pino';
import type { ChatSocket } from './types';

/**
 * How many packets may wait for one client before it counts as stuck. A client that keeps up holds a handful
 * (the transport takes the next batch once the previous one is written); a client that stopped reading (a frozen
 * tab, a dead network that TCP has not noticed yet) holds every broadcast of its rooms, in this node's memory.
 */
export const MAX_BUFFERED_PACKETS = 1_000;

/**
 * Bounds what a socket's client has not read yet: past `maxPackets` waiting packets the connection is dropped
 * at once, its buffer discarded (the client catches up by seq when it reconnects), so one stuck client can
 * neither grow the node's memory nor hold back delivery to the others.
 */
export function dropWhenStuck(socket: ChatSocket, log: Logger, maxPackets = MAX_BUFFERED_PACKETS): void {
  const connection = socket.conn;
  // Engine.IO's queue of packets not handed to the transport yet (public in its JavaScript, private in its types)
  const waiting = () => (connection as unknown as { writeBuffer: unknown[] }).writeBuffer.length;
  const check = () => {
    // packetCreate comes before the packet is queued: this counts what is already waiting
    if (waiting() < maxPackets) return;
    connection.off('packetCreate', check);
    log.warn({ socketId: socket.id, siteId: socket.data.siteId, userId: socket.data.user.id, waiting: waiting() }, 'a client stopped reading; dropping its connection');
    // close(true) discards the buffer instead of waiting for a drain that will not come
    connection.close(true);
    // and the WebSocket itself, whose closing handshake would otherwise wait 30 s behind the unread data
    (connection.transport as { socket?: { terminate?: () => void } }).socket?.terminate?.();
  };
  connection.on('packetCreate', check);
}
