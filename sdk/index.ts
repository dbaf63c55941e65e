// The public surface of the Parley SDK: everything a developer may import.
export { createChatClient } from './client';
export type { ChatClient, ChatClientEvents, ChatClientOptions, ConnectionStatus, TokenStorage } from './client';
export type { HistoryOptions, Room, RoomEvents } from './room';
export { ChatError } from './errors';
export type {
  Author,
  ErrorCode,
  IdentifyRequest,
  LoginRequest,
  Message,
  PresenceUser,
  RegisterRequest,
  RoomInfo,
  User,
} from './protocol';
