// The public surface of the Parley SDK: everything a developer may import.
export { createChatClient } from './client';
export type { ChatClient, ChatClientEvents, ChatClientOptions, ConnectionStatus, StatusReason, TokenStorage } from './client';
export type { HistoryOptions, PendingMessage, PresenceChangeEvent, Room, RoomEvents, SendOptions } from './room';
export { ChatError } from './errors';
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
  Role,
  RoomInfo,
  UpdateRoomRequest,
  User,
} from './protocol';
