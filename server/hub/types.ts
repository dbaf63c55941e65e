import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, PresenceUser, ServerToClientEvents, User } from '../../sdk/protocol';

/** What the handshake learned about a signed-in socket (a member's or a guest's); set once, read by every handler. */
export interface SocketData {
  siteId: string;
  user: User;
  /** Socket.IO room of every socket of the same session, so logout can close them all. */
  sessionGroup: string;
}

/** A visitor without an account, reading the rooms that allow it: no session, no user, no writes. */
export interface ReaderData {
  siteId: string;
  reader: true;
  user?: undefined;
}

export type HubSocketData = SocketData | ReaderData;

/**
 * What nodes tell and ask each other (Redis): a room's online list on the node asked (server/hub/presence.ts); a
 * room's settings changed (slow mode reads them again).
 */
export interface InterServerEvents {
  'presence:users': (channel: string, answer: (users: PresenceUser[]) => void) => void;
  'room:changed': (siteId: string, roomId: string) => void;
}
export type ChatServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, HubSocketData>;
/** Any socket: a signed-in one or a reader's. */
export type HubSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, HubSocketData>;
/** A signed-in socket. */
export type ChatSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** The socket as a signed-in one, or undefined for a reader's. */
export const signedIn = (socket: HubSocket): ChatSocket | undefined => (socket.data.user ? (socket as ChatSocket) : undefined);

/** Socket.IO room names are scoped by site, so no id a client sends can reach another site. */
export const roomChannel = (siteId: string, roomId: string) => `site:${siteId}:room:${roomId}`;

/** The site and room of a name made by roomChannel; undefined for other Socket.IO rooms (sessions, users). */
export function roomOfChannel(name: string): { siteId: string; roomId: string } | undefined {
  const match = /^site:([^:]+):room:(.+)$/.exec(name);
  return match?.[1] && match[2] ? { siteId: match[1], roomId: match[2] } : undefined;
}

/** Every socket of one user, across tabs, devices and nodes: a ban closes them all. */
export const userChannel = (siteId: string, userId: string) => `site:${siteId}:user:${userId}`;
