// The public surface of the Parley SDK: everything a developer may import.
export { createChatClient } from './client';
export type { ChatClient, ChatClientEvents, ChatClientOptions, ConnectionStatus, TokenStorage } from './client';
export type { HistoryOptions, PresenceChangeEvent, Room, RoomEvents } from './room';
export { ChatError } from './errors';
export type {
  Author,
  BanRequest,
  CreateRoomRequest,
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
