// The public surface of the Parley SDK: everything a developer may import.
export { createChatClient } from './client';
export type { ChatClient, ChatClientEvents, ChatClientOptions, ConnectionStatus, StatusReason, TokenStorage } from './client';
export type { Room, RoomEvents } from './room/room';
export type { PendingMessage, SendOptions } from './room/outbox';
export type { PresenceChangeEvent } from './room/presence';
export type { HistoryOptions } from './room/history';
export { ChatError } from './errors';
/** A v4 UUID for `room.send(text, { clientMsgId })`, e.g. to keep a message's id in your own outbox. */
export { createClientMsgId } from './ids';
export type {
  Author,
  BanRequest,
  CreateRoomRequest,
  ErrorBody,
  ErrorCode,
  IdentifyRequest,
  LoginRequest,
  Message,
  ModerationAction,
  ModerationActionType,
  PresenceUser,
  RegisterRequest,
  Report,
  ReportedMessage,
  ReportReason,
  ReportSettings,
  ResolveReportRequest,
  ResolveReportResponse,
  Role,
  RoomInfo,
  UpdateRoomRequest,
  User,
  WordFilterAction,
  WordFilterSettings,
} from './protocol';
