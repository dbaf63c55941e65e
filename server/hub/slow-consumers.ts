import type { Logger } from 'pino';
import type { HubSocket } from './types';

/**
 * How many bytes may wait for one client before it counts as stuck. A client that keeps up holds a few KB (the
 * transport takes the next batch once the previous one is written); a client that stopped reading (a frozen tab,
 * a dead network TCP has not noticed yet, or someone asking for pages they never read) holds everything sent to
 * it, in this node's memory. Bytes, not packets: one history page weighs as much as thousands of typing hints.
 */
export const MAX_BUFFERED_BYTES = 1024 * 1024;

type Packet = { data?: unknown };
// Engine.IO's internals this reads (public in its JavaScript, private in its types)
type Connection = HubSocket['conn'] & { transport: { socket?: { bufferedAmount?: number; terminate?: () => void } } };

// a broadcast hands every socket the same encoded string: measure it once
let lastData: unknown;
let lastSize = 0;
function sizeOf(packet: Packet): number {
  const { data } = packet;
  if (data === lastData) return lastSize;
  const size = typeof data === 'string' ? Buffer.byteLength(data) : data instanceof ArrayBuffer || ArrayBuffer.isView(data) ? data.byteLength : 0;
  lastData = data;
  lastSize = size;
  return size;
}

/**
 * Bounds what a socket's client has not read yet: the packets Engine.IO queues for it plus what its WebSocket
 * has not handed to the kernel. Past `maxBytes` the connection is dropped at once, its buffer discarded (the client
 * catches up by seq when it reconnects), so one stuck client can neither grow the node's memory nor hold back
 * delivery to the others.
 */
export function dropWhenStuck(socket: HubSocket, log: Logger, maxBytes = MAX_BUFFERED_BYTES): void {
  const connection = socket.conn as Connection;
  // bytes queued in Engine.IO since its last flush to the transport
  let queued = 0;
  const onFlush = () => (queued = 0);
  const check = (packet: Packet) => {
    queued += sizeOf(packet);
    const waiting = queued + (connection.transport.socket?.bufferedAmount ?? 0);
    if (waiting <= maxBytes) return;
    connection.off('packetCreate', check);
    connection.off('flush', onFlush);
    log.warn({ socketId: socket.id, siteId: socket.data.siteId, userId: socket.data.user?.id, waiting }, 'a client stopped reading; dropping its connection');
    // close(true) discards the buffer instead of waiting for a drain that will not come
    connection.close(true);
    // and the WebSocket itself, whose closing handshake would otherwise wait 30 s behind the unread data
    connection.transport.socket?.terminate?.();
  };
  connection.on('packetCreate', check);
  connection.on('flush', onFlush);
}
