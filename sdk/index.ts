// The public surface of the Parley SDK: everything a developer may import.
export { createChatClient, createCoreClient } from './client';
export type { ChatClient, CoreChatClient, ChatClientEvents, ChatClientOptions, ConnectionStatus, SiteInfo, StatusReason, TokenStorage } from './client';
export type { Room, RoomEvents } from './room/room';
export type { Email } from './email';
export { embedWidget } from './embed';
export type { EmbeddedWidget, WidgetEvents, WidgetOptions } from './embed';
export type { MessageSummary } from '../widget/bridge';
export type { Privacy } from './privacy';
export type { PendingMessage, SendOptions } from './room/outbox';
export type { PresenceChangeEvent } from './room/presence';
export type { HistoryOptions } from './room/history';
export type { Pins } from './room/pins';
export type { Search, SearchOptions, SearchPage } from './room/search';
export type { Reactions, ReactionSummary } from './room/reactions';
export type { Mentions } from './room/mentions';
export type { Uploads, AttachmentVariant } from './uploads';
/** Replies: applies an update of a message to the replies that show it (see the SDK guide). */
export { followOriginal } from './room/replies';
export { ChatError } from './errors';
/** A v4 UUID for `room.send(text, { clientMsgId })`, e.g. to keep a message's id in your own outbox. */
export { createClientMsgId } from './ids';
/** The ranks of a site, lowest first, and whether a role is at least some rank. */
export { hasRank, ROLES } from './roles';
export { WEBHOOK_EVENT_TYPES } from './webhooks';
export type {
  EmailSettings,
  DataExport,
  EraseRequest,
  EmailSettingsResponse,
  EmailAddressRequest,
  EmailNotifyRequest,
  Access,
  Attachment,
  Author,
  BanRequest,
  ChallengeResponse,
  CreateRoomRequest,
  ErrorBody,
  ErrorCode,
  GuestRequest,
  ImageType,
  IdentifyRequest,
  LoginRequest,
  Message,
  ModerationAction,
  ModerationActionType,
  PostingRights,
  PrePublishAnswer,
  PrePublishCall,
  PrePublishHook,
  PrePublishHookRequest,
  PrePublishHookResponse,
  WebhookAttempt,
  WebhookDeliveriesResponse,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookEndpointRequest,
  WebhookEvent,
  WebhookEventData,
  WebhookEventType,
  PresenceUser,
  ProofOfWorkChallenge,
  PinnedMessage,
  PinRequest,
  SearchRequest,
  SearchResult,
  Reaction,
  ReactRequest,
  ReplyTo,
  RefusalReason,
  RegisterRequest,
  UploadResponse,
  Report,
  ReportedMessage,
  ReportReason,
  ReportSettings,
  ResolveReportRequest,
  ResolveReportResponse,
  Role,
  RoleRequest,
  RoomInfo,
  SiteInfoResponse,
  SiteSettings,
  UpdateSiteSettingsRequest,
  UpdateRoomRequest,
  User,
  WordFilterAction,
  WordFilterSettings,
} from './protocol';
