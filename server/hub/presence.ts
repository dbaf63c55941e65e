import type { PresenceUser } from '../../sdk/protocol';
import { type ChatServer, roomChannel } from './types';

/** The room's online list: one entry per user, however many sockets they have, in every node. */
export async function onlineUsers(io: ChatServer, siteId: string, roomId: string): Promise<PresenceUser[]> {
  const sockets = await io.in(roomChannel(siteId, roomId)).fetchSockets();
  const users = new Map<string, PresenceUser>();
  for (const { data } of sockets) {
    if (data.user) users.set(data.user.id, { id: data.user.id, displayName: data.user.displayName });
  }
  return [...users.values()].sort((a, b) => a.displayName.localeCompare(b.displayName));
}

export async function broadcastPresence(io: ChatServer, siteId: string, roomId: string): Promise<void> {
  const online = await onlineUsers(io, siteId, roomId);
  io.to(roomChannel(siteId, roomId)).emit('presence:update', { roomId, online });
}
