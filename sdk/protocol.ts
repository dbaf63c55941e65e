/**
 * The wire contract between the Parley server, the SDK and the widget.
 * Types only: nothing here exists at run time, so every side can import it for free.
 */

/** Every error the server or the SDK reports carries one of these codes. */
export type ErrorCode =
  | 'invalid_input'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'rate_limited'
  | 'unavailable'
  | 'network'
  | 'internal';

export interface ErrorBody {
  code: ErrorCode;
  /** Human-readable, safe to show: "username is taken". */
  message: string;
  /** The input field the error is about, when there is one. */
  field?: string;
  retryAfterMs?: number;
}

/** HTTP error bodies and failed socket acks share this shape. */
export interface ErrorResponse {
  error: ErrorBody;
}

/** Every socket ack: `{ ok: true, ...data }` or `{ error }`. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export type Ack<T extends object = {}> = ({ ok: true } & T) | ErrorResponse;

export interface User {
  id: string;
  username: string;
  displayName: string;
}

export interface Author {
  id: string;
  displayName: string;
}

export interface Message {
  /** Stable id of the stored message. */
  id: string;
  /** Position in the room: strictly increasing, one total order per room. */
  seq: number;
  roomId: string;
  author: Author;
  text: string;
  /** The sender's idempotency key; a retried send with the same id returns this message. */
  clientMsgId: string;
  /** ISO 8601, set by the server. */
  createdAt: string;
}

/** One entry per user, however many tabs or devices they have open. */
export interface PresenceUser {
  id: string;
  displayName: string;
}

export interface RoomInfo {
  id: string;
  name: string;
}

// ---- HTTP: /api/sites/:siteId/… -------------------------------------------------

/** POST /api/sites/:siteId/register → 201 SessionResponse */
export interface RegisterRequest {
  username: string;
  displayName: string;
  password: string;
}

/** POST /api/sites/:siteId/login → 200 SessionResponse */
export interface LoginRequest {
  username: string;
  password: string;
}

/**
 * POST /api/sites/:siteId/identify → 200 SessionResponse. Signs in a user the site already knows, without a
 * password: `hash` is HMAC-SHA256(site identity secret, userId) in hex, computed by the site's own server.
 */
export interface IdentifyRequest {
  userId: string;
  displayName: string;
  hash: string;
}

/** The session id is also a bearer token: `Authorization: Bearer <token>` or Socket.IO `auth.token`. */
export interface SessionResponse {
  user: User;
  token: string;
}

/** GET /api/sites/:siteId/me → 200 MeResponse; POST /api/sites/:siteId/logout → 204. */
export interface MeResponse {
  user: User;
}

// ---- Socket.IO ---------------------------------------------------------------------

/** Socket.IO `auth` of the handshake. Without `token` the first-party session cookie is used. */
export interface HandshakeAuth {
  site: string;
  token?: string;
}

/** `connect_error` carries this as `err.data` when the server refuses the handshake. */
export type HandshakeErrorData = ErrorBody;

export interface RoomRequest {
  roomId: string;
}

export interface JoinRequest extends RoomRequest {
  /** Catch-up after a disconnect: the last seq this client has; the server returns what came after it. */
  afterSeq?: number;
}

export interface JoinResult {
  room: RoomInfo;
  /**
   * Oldest first. Without `afterSeq`: the most recent messages (up to 50). With it: the messages after that
   * seq, up to 500; `more` says there are others after those, to ask for with the last seq received.
   */
  messages: Message[];
  more: boolean;
  online: PresenceUser[];
}

export interface SendRequest {
  roomId: string;
  text: string;
  /** A UUID chosen by the client; retries reuse it. */
  clientMsgId: string;
}

export interface SendResult {
  message: Message;
}

export interface HistoryRequest {
  roomId: string;
  /** Only messages with a smaller seq; omit for the newest. */
  before?: number;
  /** 1–100, default 50. */
  limit?: number;
}

export interface HistoryResult {
  /** Newest first by seq. */
  messages: Message[];
}

export interface PresenceUpdate {
  roomId: string;
  online: PresenceUser[];
}

/** Someone in the room is typing; clients show it for 5 s or until their message arrives. Never stored. */
export interface TypingUpdate {
  roomId: string;
  user: PresenceUser;
}

export type AckCallback<T extends object = object> = (response: Ack<T>) => void;

export interface ClientToServerEvents {
  'room:join': (request: JoinRequest, ack: AckCallback<JoinResult>) => void;
  'room:leave': (request: RoomRequest, ack: AckCallback) => void;
  'room:history': (request: HistoryRequest, ack: AckCallback<HistoryResult>) => void;
  'message:send': (request: SendRequest, ack: AckCallback<SendResult>) => void;
  'typing:start': (request: RoomRequest, ack: AckCallback) => void;
}

export interface ServerToClientEvents {
  'message:new': (message: Message) => void;
  /** The session was ended (logout, here or in another tab); the server disconnects right after. */
  'session:ended': () => void;
  'presence:update': (update: PresenceUpdate) => void;
  'typing:update': (update: TypingUpdate) => void;
}
