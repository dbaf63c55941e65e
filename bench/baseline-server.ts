// The benchmark's baseline: a bare Socket.IO broadcast server, with the same socket.io version and options as the
// hub but no authentication, no database, no validation. It speaks just enough of sdk/protocol.ts for the load
// generator: `room:join` joins, `message:send` takes an in-memory seq, broadcasts `message:new` to the room but
// the sender and acks — the order the hub uses. Started by bench/servers.ts; tells its port over IPC.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import type { ClientToServerEvents, ErrorResponse, Message, ServerToClientEvents } from '../sdk/protocol';

const refused: ErrorResponse = { error: { code: 'invalid_input', message: 'expected { roomId, … }' } };
const isRequest = (request: unknown): request is { roomId: string } => typeof request === 'object' && request !== null && typeof (request as { roomId?: unknown }).roomId === 'string';

const httpServer = createServer();
const io = new Server<ClientToServerEvents, ServerToClientEvents>(httpServer, {
  // as the hub (server/hub/index.ts), so the two differ only in what the hub does per event
  serveClient: false,
  maxHttpBufferSize: 16 * 1024,
  pingInterval: 10_000,
  pingTimeout: 5_000,
});
const lastSeq = new Map<string, number>();

io.on('connection', (socket) => {
  socket.on('room:join', (request, ack) => {
    if (!isRequest(request)) return ack(refused);
    void socket.join(request.roomId);
    ack({ ok: true, room: { id: request.roomId, name: request.roomId, archived: false, slowModeSeconds: 0, paused: false, access: 'members' }, messages: [], more: false, online: [] });
  });

  socket.on('message:send', (request, ack) => {
    if (!isRequest(request) || !socket.rooms.has(request.roomId)) return ack(refused);
    const seq = (lastSeq.get(request.roomId) ?? 0) + 1;
    lastSeq.set(request.roomId, seq);
    const message: Message = {
      id: seq.toString(16).padStart(24, '0'),
      seq,
      roomId: request.roomId,
      author: { id: socket.id, displayName: socket.id },
      text: request.text,
      clientMsgId: request.clientMsgId,
      createdAt: new Date().toISOString(),
    };
    socket.to(request.roomId).emit('message:new', message);
    ack({ ok: true, message });
  });
});

httpServer.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (httpServer.address() as AddressInfo).port });
});
// started by the benchmark over IPC: when it goes, so does this server
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => io.close(() => process.exit(0)));
