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
  /** Why a post was refused, stable for clients to translate (the message is English). */
  reason?: RefusalReason;
}

/**
 * `slow-mode`: too soon after the last message; `paused`, `muted`, `archived`: the room's state; `read-only`: the
 * room takes posts from members only; `links`, `mention-everyone`: the site's posting rights; `word-filter`: a word
 * the site does not allow; `banned`: this person or their network is banned from the site; `hook`: the site's own
 * moderation service (its pre-publish hook) refused it, in its own words.
 */
export type RefusalReason = 'slow-mode' | 'paused' | 'muted' | 'archived' | 'read-only' | 'links' | 'mention-everyone' | 'word-filter' | 'banned' | 'hook';

/** HTTP error bodies and failed socket acks share this shape. */
export interface ErrorResponse {
  error: ErrorBody;
}

/** Every socket ack: `{ ok: true, ...data }` or `{ error }`. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export type Ack<T extends object = {}> = ({ ok: true } & T) | ErrorResponse;

/**
 * A user's rank in a site, lowest first: guests (a chosen name, no account), members, moderators (delete, mute, ban,
 * slow, pause, resolve reports), admins (also rooms, roles and the site's settings) and the owner. See sdk/roles.ts.
 */
export type Role = 'guest' | 'member' | 'moderator' | 'admin' | 'owner';

export interface User {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  /** The ids of the users this one blocked (absent when none): the SDK hides their messages and typing. */
  blocked?: string[];
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
  /** ISO 8601; set when the author changed the text. */
  editedAt?: string;
  /**
   * ISO 8601; set when the message was deleted. A deleted message keeps its seq as a tombstone (its text is
   * empty), so history and catch-up stay gap-free.
   */
  deletedAt?: string;
  /**
   * ISO 8601; set while the message is hidden pending review: reported by as many users as the site's
   * `hideAfter`. Its text is empty for everyone until a moderator dismisses the reports (moderators read it in the
   * reports queue).
   */
  hiddenAt?: string;
  /** Reactions: one entry per emoji, in the order first reacted; absent when none (and on a deleted message). */
  reactions?: Reaction[];
  /** Replies: the message this one answers, as it is now (an edit changes the excerpt; deleted or hidden, no text). */
  replyTo?: ReplyTo;
  /**
   * Mentions: the ids of the users the author mentioned, and 'here' when the text says `@here` or `@everyone` (for the
   * ranks the site allows it). Ids, not names: a rename breaks none. Absent when none, and on deleted or hidden messages.
   */
  mentions?: string[];
  /** Images: what was attached, in the order given; absent when none, and on deleted or hidden messages. */
  attachments?: Attachment[];
}

/** The image types Parley stores: checked by the file's content, whatever its name says. */
export type ImageType = 'image/png' | 'image/jpeg' | 'image/webp' | 'image/gif';

/**
 * An uploaded image. Its bytes are at `GET /api/sites/:siteId/uploads/:id` and a WebP thumbnail (at most 320 px on
 * its longer side) at `…/uploads/:id/thumbnail`, served to signed-in users who may read the room it was posted in
 * (before it is attached, to its uploader only). Stored without metadata (no EXIF, so no camera location).
 */
export interface Attachment {
  id: string;
  /** The file's name as the uploader gave it (cleaned: no path, at most 100 characters). */
  name: string;
  type: ImageType;
  /** Bytes, as stored. */
  size: number;
  width: number;
  height: number;
}

/**
 * POST /api/sites/:siteId/uploads?name=<file name> with the image as the raw body (any Content-Type; the content
 * decides) → 201 UploadResponse. Attach it by sending its id in SendRequest.attachments within an hour; an upload
 * never attached is deleted after that. Limits: the site's `uploadMaxMB` per file, and per user a number of uploads
 * and bytes per day.
 */
export interface UploadResponse {
  upload: Attachment;
}

/** What a reply shows of the message it answers. */
export interface ReplyTo {
  seq: number;
  author: Author;
  /** The first line, up to 140 characters (with … when cut); empty when deleted or hidden. */
  excerpt: string;
  deleted?: true;
  hidden?: true;
}

/** Reactions: who reacted to a message with one emoji. */
export interface Reaction {
  emoji: string;
  count: number;
  userIds: string[];
}

/** One entry per user, however many tabs or devices they have open. */
export interface PresenceUser {
  id: string;
  displayName: string;
  /** Present (true) for a guest: show them as one. */
  guest?: true;
}

export interface RoomInfo {
  id: string;
  name: string;
  /** An archived room keeps its history and can be joined, but takes no new messages. */
  archived: boolean;
  /**
   * Slow mode: the seconds a member waits between two messages in this room (0: off). Admins are exempt; a send
   * too soon is refused with `rate_limited` and `retryAfterMs`.
   */
  slowModeSeconds: number;
  /** A paused room takes messages (and edits, and typing) from moderators only; the others get `forbidden`. */
  paused: boolean;
  /** Who may read and post here: the room's own setting, else the site's (see Access). */
  access: Access;
  /** The pinned messages, the most recently pinned first, at most 10; absent when none. */
  pinned?: PinnedMessage[];
}

/**
 * Who may read and post in a room. `members`: signed-in members only (guests may not join). `guests`: anyone
 * reads without signing in, and may chat after choosing a name (a guest session). `read-only`: anyone reads
 * without signing in; only members post.
 */
export type Access = 'members' | 'guests' | 'read-only';

/**
 * The lowest rank that may post a kind of content; lower ranks get `forbidden` with `reason`. `links`: web
 * addresses; `mentionEveryone`: `@everyone` and `@here`.
 */
export interface PostingRights {
  links: Role;
  mentionEveryone: Role;
}

/** A site's settings for public rooms: GET (admins) and PATCH /api/sites/:siteId/settings → SiteSettingsResponse. */
export interface SiteSettings {
  /** Every room's access unless the room sets its own. */
  access: Access;
  postingRights: PostingRights;
  /** How long a banned guest's network address may not sign up again, as a guest or a member (0: not at all). */
  guestBanHours: number;
  /** Images: the largest file a user may upload, in megabytes (0: no uploads). Default 5, at most 20. */
  uploadMaxMB: number;
  /**
   * Email digests: users with a verified address who are mentioned or replied to while away get one email after a
   * quiet period (when the server has SMTP). Default on; each user may still turn them off.
   */
  emailDigests: boolean;
  /**
   * Retention: messages (and their images) older than this many days are erased, once a day (tombstones keep their
   * seq, nothing else). 0: kept until deleted (the default).
   */
  retentionDays: number;
}

/** What to change; posting rights one at a time. */
export interface UpdateSiteSettingsRequest {
  access?: Access;
  postingRights?: Partial<PostingRights>;
  guestBanHours?: number;
  uploadMaxMB?: number;
  emailDigests?: boolean;
  retentionDays?: number;
}

export interface SiteSettingsResponse {
  settings: SiteSettings;
}

/**
 * The signed-in user's email for digests: GET /api/sites/:siteId/me/email → 200 EmailSettingsResponse.
 * `available`: the server sends email (SMTP) and the site sends digests. `address`: the verified address (an
 * identified user's comes from the site's token: `fromSite`, changed only by the site). `pending`: an address waiting
 * for its owner to follow the link sent to it. `notify`: the user's own switch (default on).
 */
export interface EmailSettings {
  available: boolean;
  address?: string;
  pending?: string;
  fromSite?: boolean;
  notify: boolean;
}

export interface EmailSettingsResponse {
  email: EmailSettings;
}

/**
 * PUT /api/sites/:siteId/me/email → 202 EmailSettingsResponse: sends a link to `address` (members); the address is
 * used once its owner follows it. DELETE → 200: forgets the address (verified and pending).
 */
export interface EmailAddressRequest {
  address: string;
  /** The page the chat is on (an allowed origin's): the digests' link back. The SDK sends its `page` option. */
  page?: string;
  /** The language emails are written in (en, es, zh; others: English). The SDK sends its `locale` option. */
  locale?: string;
}

/** PATCH /api/sites/:siteId/me/email → 200 EmailSettingsResponse: the user's own switch for digests. */
export interface EmailNotifyRequest {
  notify: boolean;
}

/**
 * Everything Parley holds about a user of a site: GET /api/sites/:siteId/me/export (the user), or
 * /users/:userId/export (the site's admins) → 200, as a JSON download.
 */
export interface DataExport {
  exportedAt: string;
  site: { id: string; name: string };
  user: User & {
    createdAt: string;
    /** Identified users: their id on the site. */
    externalId?: string;
    email?: string;
    pendingEmail?: string;
    emailNotifications: boolean;
    /** Kept for email digests: where the chat was last open (origin and path) and in which language. */
    page?: string;
    locale?: string;
    lastDigestAt?: string;
    bannedAt?: string;
    /** Guests: when the account is deleted unless used. */
    expiresAt?: string;
  };
  /** Signed-in sessions: when each began and when it ends unless used (never their tokens). */
  sessions: Array<{ signedInAt?: string; expiresAt: string }>;
  /** Every message the user sent, deleted ones as tombstones. */
  messages: Array<Pick<Message, 'roomId' | 'seq' | 'text' | 'createdAt' | 'editedAt' | 'deletedAt' | 'hiddenAt' | 'replyTo' | 'mentions' | 'attachments'>>;
  reactions: Array<{ roomId: string; seq: number; emoji: string }>;
  /** Images uploaded (each downloadable at its `url` while the account exists). */
  uploads: Array<Attachment & { createdAt: string; roomId?: string; seq?: number; url: string }>;
  /** Reports the user filed. */
  reports: Array<{ roomId: string; seq: number; reason: ReportReason; details?: string; createdAt: string; status: 'open' | 'resolved' }>;
}

/**
 * POST /api/sites/:siteId/me/erase → 204: deletes the signed-in user's account (a member confirms with their password).
 * POST /api/sites/:siteId/users/:userId/erase → 204: an admin deletes a user's account. Either way the user's messages
 * become tombstones without text or name, their images and sessions are deleted, their name is free again, and the
 * moderation log keeps what was done without their name.
 */
export interface EraseRequest {
  password?: string;
}

/**
 * GET /api/sites/:siteId/info → 200 SiteInfoResponse, signed in or not: what a visitor may do before signing in.
 * `read`: some room can be read without an account; `guests`: guest sign-in is open.
 */
export interface SiteInfoResponse {
  site: { id: string; name: string; access: Access; read: boolean; guests: boolean };
}

/** POST /api/sites/:siteId/guest → 201 SessionResponse: a guest session under a chosen display name. */
export interface GuestRequest {
  displayName: string;
  /** A solved proof-of-work challenge (see ChallengeResponse), when the server asks for one. */
  proof?: string;
}

/**
 * GET /api/sites/:siteId/challenge → 200 ChallengeResponse: a proof-of-work challenge (ALTCHA's format) that
 * registering and starting a guest session need solved, or null when the server asks for none. Solve it by finding
 * the `number` from 0 to `maxnumber` whose SHA-256 of `salt + number` (hex) is `challenge`; send
 * base64(JSON `{ algorithm, challenge, number, salt, signature }`) as `proof`. A challenge expires after 10
 * minutes and buys one sign-up.
 */
export interface ChallengeResponse {
  challenge: ProofOfWorkChallenge | null;
}

export interface ProofOfWorkChallenge {
  algorithm: 'SHA-256';
  challenge: string;
  maxnumber: number;
  salt: string;
  signature: string;
}

/** PUT /api/sites/:siteId/users/:userId/role (admins) → 200 RoleResponse. Admins grant ranks below their own. */
export interface RoleRequest {
  role: Exclude<Role, 'guest' | 'owner'>;
}

export interface RoleResponse {
  user: Author & { role: Role };
}

/** GET /api/sites/:siteId/staff (admins) → 200 StaffResponse: moderators, admins and the owner. */
export interface StaffResponse {
  staff: Array<Author & { role: Role; username: string }>;
}

// ---- HTTP: /api/sites/:siteId/… -------------------------------------------------

/** POST /api/sites/:siteId/register → 201 SessionResponse */
export interface RegisterRequest {
  username: string;
  displayName: string;
  password: string;
  /** A solved proof-of-work challenge (see ChallengeResponse), when the server asks for one. */
  proof?: string;
}

/** POST /api/sites/:siteId/login → 200 SessionResponse */
export interface LoginRequest {
  username: string;
  password: string;
}

/**
 * POST /api/sites/:siteId/identify → 200 SessionResponse. Signs in a user the site already knows, without a
 * password, vouched for by the site's own server with the site's identity secret. Two forms:
 *
 * - `{ token }` (recommended): a JWT signed with HS256 under the identity secret, carrying `sub` (the user's id on
 *   the site), `name` (display name), optional `email`, and `exp` at most 24 h after `iat` (or after now). It covers
 *   the name and expires, so the user is created or renamed to `name`.
 * - `{ userId, displayName, hash }` (legacy): `hash` is HMAC-SHA256(identity secret, userId) in hex. It signs the id
 *   alone and never expires, so it creates a user with `displayName` but never renames an existing one.
 *
 * @example
 * await chat.identify({ token: jwtFromYourServer });
 */
export type IdentifyRequest = { token: string } | { userId: string; displayName: string; hash: string };

/**
 * `token` is the session id, also a bearer token: `Authorization: Bearer <token>` or Socket.IO `auth.token`.
 * It is present unless the session went out as httpOnly cookies to a page of the server's own origin (the
 * browser says `Sec-Fetch-Site: same-origin`, as the widget app's requests do): no script there reads it.
 */
export interface SessionResponse {
  user: User;
  token?: string;
}

/** GET /api/sites/:siteId/me → 200 MeResponse; POST /api/sites/:siteId/logout → 204. */
export interface MeResponse {
  user: User;
}

/**
 * GET /api/sites/:siteId/session → 200 SessionCheckResponse, signed in or not: `user` is null without a session of
 * this site (none, expired, another site's, banned). `restore()` asks here, so a signed-out visitor's check is no
 * failed request in the browser's console.
 */
export interface SessionCheckResponse {
  user: User | null;
}

/** GET /api/sites/:siteId/rooms → 200 RoomsResponse (signed in): every room, archived ones too. */
export interface RoomsResponse {
  rooms: RoomInfo[];
}

/** POST /api/sites/:siteId/rooms (admins) → 201 RoomResponse. */
export interface CreateRoomRequest {
  /** 1–40 of a-z, 0-9 and -; an id in use → `conflict`. */
  id: string;
  /** 1–80 characters. */
  name: string;
}

/** PATCH /api/sites/:siteId/rooms/:roomId (admins) → 200 RoomResponse. `general` cannot be archived. */
export interface UpdateRoomRequest {
  name?: string;
  archived?: boolean;
  /** 0 (off) to 21,600 (6 hours). */
  slowModeSeconds?: number;
  paused?: boolean;
  /** Admins: the room's own access; null follows the site's again. */
  access?: Access | null;
}

export interface RoomResponse {
  room: RoomInfo;
}

/** One report of a message, as moderators see it. */
export interface Report {
  reporter: Author;
  reason: ReportReason;
  details?: string;
  /** ISO 8601. */
  createdAt: string;
}

/** A message with open reports: its text in full (even while hidden), and who reported it why, newest first. */
export interface ReportedMessage {
  message: Message;
  reports: Report[];
}

/** GET /api/sites/:siteId/reports (admins) → 200: messages with open reports, the most recently reported first. */
export interface ReportsResponse {
  reported: ReportedMessage[];
}

/**
 * POST /api/sites/:siteId/reports/resolve (admins) → 200 ResolveReportResponse: closes every open report of a
 * message, and `dismiss`es them (the message stays, shown again if hidden), `delete`s the message, `mute`s its
 * author in the room for `durationMs`, or `ban`s them from the site (the message is deleted too).
 */
export interface ResolveReportRequest {
  roomId: string;
  seq: number;
  action: 'dismiss' | 'delete' | 'mute' | 'ban';
  /** `mute` only: 1 s to 365 days. */
  durationMs?: number;
}

export interface ResolveReportResponse {
  /** How many open reports were closed. */
  resolved: number;
  /** The message as it is now. */
  message: Message;
}

/** GET and PUT /api/sites/:siteId/report-settings (admins). */
export interface ReportSettings {
  /** Reports by this many users hide a message pending review; 0 never hides. Default 3. */
  hideAfter: number;
}

export interface ReportSettingsResponse {
  reportSettings: ReportSettings;
}

/**
 * POST /api/sites/:siteId/blocks → 204: hides a user's messages and typing from the one who blocks them (kept on
 * the server, applied by the SDK); DELETE /api/sites/:siteId/blocks/:userId → 204; GET → 200 BlocksResponse.
 */
export interface BlockRequest {
  userId: string;
}

export interface BlocksResponse {
  blocked: Author[];
}

/** POST /api/sites/:siteId/rooms/:roomId/mutes (admins) → 201 MuteResponse; DELETE …/mutes/:userId → 204. */
export interface MuteRequest {
  userId: string;
  /** 1 s to 365 days. */
  durationMs: number;
}

export interface MuteResponse {
  mute: { roomId: string; userId: string; until: string };
}

/**
 * POST /api/sites/:siteId/users/:userId/ban (admins) → 204: the user's sessions end and their sockets close;
 * they cannot sign in again. DELETE …/ban → 204 lifts it.
 */
export interface BanRequest {
  /** Up to 500 characters, kept in the moderation log. */
  reason?: string;
}

export type ModerationActionType =
  | 'room.create'
  | 'room.rename'
  | 'room.archive'
  | 'room.unarchive'
  | 'room.slow-mode'
  | 'room.pause'
  | 'room.resume'
  | 'message.delete'
  | 'user.erase'
  | 'user.mute'
  | 'user.unmute'
  | 'user.ban'
  | 'user.unban'
  | 'site.word-filter'
  | 'message.hide'
  | 'report.dismiss'
  | 'site.report-settings'
  | 'site.settings'
  | 'room.access'
  | 'user.role'
  | 'site.pre-publish'
  | 'site.create'
  | 'site.update'
  | 'team.invite'
  | 'team.remove'
  | 'team.link'
  | 'transcript.export'
  | 'site.secret.view'
  | 'site.secret.rotate'
  // pinned messages
  | 'message.pin'
  | 'message.unpin'
  // webhook endpoints: added, changed, removed
  | 'site.webhook';

/**
 * A site's pre-publish hook: an endpoint of the site's own (https) that Parley asks before storing each new or
 * edited message, signed with the hook's secret (header `Parley-Signature: t=<seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<body>">`). It answers a PrePublishAnswer within `timeoutMs`; when it does not (down, slow, a wrong answer),
 * the message is stored as sent (`failOpen`) or refused with `unavailable`.
 */
export interface PrePublishHook {
  url: string;
  timeoutMs: number;
  failOpen: boolean;
}

/** GET, PUT /api/sites/:siteId/pre-publish (admins) → 200 PrePublishHookResponse. */
export interface PrePublishHookResponse {
  hook: PrePublishHook | null;
  /** The signing secret: only in the answer that created or rotated it. */
  secret?: string;
}

/** PUT /api/sites/:siteId/pre-publish (admins): sets the hook; DELETE removes it. */
export interface PrePublishHookRequest {
  url: string;
  /** 100–10,000 ms; default 2,000. */
  timeoutMs?: number;
  /** Default true: a hook that fails lets messages through. */
  failOpen?: boolean;
  /** A new secret (the old one stops working at once). */
  rotateSecret?: boolean;
}

/** What Parley POSTs to the hook (JSON). `seq` is there for an edit. */
export interface PrePublishCall {
  type: 'message.pre-publish';
  site: string;
  room: string;
  seq?: number;
  author: Author & { role: Role };
  text: string;
  sentAt: string;
}

/** What the hook answers (JSON, status 2xx): store it, refuse it (the reason is shown to the sender), or store other text. */
export type PrePublishAnswer = { action: 'allow' } | { action: 'deny'; reason?: string } | { action: 'replace'; text: string };

// webhooks
/** What a site's webhook endpoints may hear. */
export type WebhookEventType = 'message.created' | 'message.updated' | 'message.deleted' | 'reaction.changed' | 'user.registered' | 'moderation.action' | 'report.created';

/** What each event carries in `data`. */
export interface WebhookEventData {
  'message.created': { message: Message };
  /** An edit, a reaction's count aside (that is `reaction.changed`), a hide or a dismissal of reports. */
  'message.updated': { message: Message };
  /** The message as a tombstone (its text empty, `deletedAt` set). */
  'message.deleted': { message: Message };
  /** Someone added (`added: true`) or took back their reaction; the message's reactions as they are now. */
  'reaction.changed': { roomId: string; seq: number; emoji: string; user: Author; added: boolean; reactions: Reaction[] };
  /** A new account: signed up, a guest, or a user the site signed in for the first time (identify). */
  'user.registered': { user: Omit<User, 'blocked'> };
  'moderation.action': { action: ModerationAction };
  /** A user reported a message; `reports` counts the message's open reports. */
  'report.created': { roomId: string; seq: number; report: Report; reports: number };
}

/**
 * What Parley POSTs to a webhook endpoint (JSON), signed like the pre-publish hook: `Parley-Signature:
 * t=<seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` under the endpoint's secret. Headers also carry
 * `Parley-Event` (the type), `Parley-Delivery` (the same on every attempt: deduplicate by it) and `Parley-Attempt`.
 */
export type WebhookEvent = {
  [T in WebhookEventType]: {
    /** The event's id: the same in every endpoint's delivery of it. */
    id: string;
    type: T;
    site: string;
    /** ISO 8601: when it happened. */
    createdAt: string;
    data: WebhookEventData[T];
  };
}[WebhookEventType];

/** A site's webhook endpoint, as admins see it. */
export interface WebhookEndpoint {
  id: string;
  url: string;
  events: WebhookEventType[];
  description?: string;
  /** false: nothing is sent (switched off, or disabled after failing for the retry window: see `disabledReason`). */
  enabled: boolean;
  /** Why Parley switched it off, kept until it is enabled again. */
  disabledReason?: string;
  /** ISO 8601: since when every attempt failed (absent once one succeeds). */
  failingSince?: string;
  /** The signing secret (`whsec_…`). */
  secret: string;
  createdAt: string;
}

/**
 * POST /api/sites/:siteId/webhooks (admins) → 201 WebhookEndpointResponse; PATCH …/webhooks/:id → 200 (each field
 * optional there; `enabled: true` clears a disable; `rotateSecret: true` makes a new secret, the old one stops at once).
 */
export interface WebhookEndpointRequest {
  /** https (http too where the operator allows private addresses, HOOKS_ALLOW_PRIVATE). */
  url: string;
  /** At least one. */
  events: WebhookEventType[];
  /** Up to 200 characters. */
  description?: string;
  enabled?: boolean;
  rotateSecret?: boolean;
}

export interface WebhookEndpointResponse {
  endpoint: WebhookEndpoint;
}

/** GET /api/sites/:siteId/webhooks (admins) → 200. */
export interface WebhookEndpointsResponse {
  endpoints: WebhookEndpoint[];
}

/** One try at delivering an event. */
export interface WebhookAttempt {
  /** Sent as `Parley-Attempt`: never the same for two requests. */
  id: string;
  /** ISO 8601. */
  at: string;
  durationMs: number;
  /** The receiver's status; absent when it did not answer (`error` says why). */
  status?: number;
  error?: string;
  /** The start of the receiver's answer (up to 500 characters). */
  excerpt?: string;
}

/** An event's delivery to one endpoint. */
export interface WebhookDelivery {
  /** Sent as `Parley-Delivery`. */
  id: string;
  /** The event's id and type. */
  eventId: string;
  type: WebhookEventType;
  /** `pending` until a 2xx answer (`delivered`), or `failed` once the retry window passed. */
  state: 'pending' | 'delivered' | 'failed';
  createdAt: string;
  /** ISO 8601, while pending: the next try. */
  nextAttemptAt?: string;
  /** Oldest first. */
  attempts: WebhookAttempt[];
  /** What is sent, as sent. */
  body: string;
}

/**
 * GET /api/sites/:siteId/webhooks/:id/deliveries?before=&limit= (admins) → 200: the endpoint's deliveries, newest
 * first; pass `next` as `before` for older ones. POST …/deliveries/:deliveryId/resend → 202 WebhookDeliveryResponse:
 * sent again now (and retried as a new one would be), whatever its state.
 */
export interface WebhookDeliveriesResponse {
  deliveries: WebhookDelivery[];
  next: string | null;
}

export interface WebhookDeliveryResponse {
  delivery: WebhookDelivery;
}

/** One entry of the moderation log: who did what to whom, when. */
export interface ModerationAction {
  id: string;
  action: ModerationActionType;
  actor: Author;
  roomId?: string;
  /** The user acted on (mute, ban, the author of a deleted message). */
  targetUserId?: string;
  seq?: number;
  reason?: string;
  /** Mutes: until when. */
  until?: string;
  /** ISO 8601. */
  createdAt: string;
}

/**
 * What a site does with a message (or an edit) that has a word or phrase of its word filter in it: `refuse` it
 * (`invalid_input` on `text`, nothing stored) or store and show it with those words masked (`****`).
 */
/**
 * `refuse`: the send or edit fails (`invalid_input` on `text`); `mask`: stored with the words as `****`; `hold`:
 * stored hidden pending review, in the reports queue (the sender's answer has `hiddenAt`).
 */
export type WordFilterAction = 'refuse' | 'mask' | 'hold';

/**
 * GET /api/sites/:siteId/word-filter (admins) → 200 WordFilterResponse; PUT with WordFilterSettings → 200, the list
 * as stored. Entries are words, phrases (words separated by spaces), or words with `*` at the start and/or end to
 * match inside longer words ("heck*" also matches "heckin"); they match whatever the case, diacritics, common
 * letter/digit substitutions ("h3ck"), repeated letters ("heeeck") or separators between letters ("h.e.c.k").
 * Up to 1,000 entries of up to 100 characters.
 */
export interface WordFilterSettings {
  entries: string[];
  action: WordFilterAction;
}

export interface WordFilterResponse {
  wordFilter: WordFilterSettings;
}

/** GET /api/sites/:siteId/moderation?before=&limit= (admins) → 200, newest first. */
export interface ModerationLogResponse {
  actions: ModerationAction[];
}

// ---- Socket.IO ---------------------------------------------------------------------

/** Socket.IO `auth` of the handshake. Without `token` the first-party session cookie is used. */
export interface HandshakeAuth {
  site: string;
  token?: string;
  /** Without a session: open a reader's socket (rooms that visitors may read). */
  read?: boolean;
  /**
   * The page the chat is shown on and the user's language: kept for a user with an email address (the digests' link
   * back, on one of the site's allowed origins, without query and fragment; and their language). Anything else is ignored.
   */
  page?: string;
  locale?: string;
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
   * seq, up to 500; `more` says there are others after those, to ask for with the last seq received. Either
   * way an answer holds at most 256 KB of messages (at least one): the rest is another request away.
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
  /**
   * Set on a retry: the server looks for the stored message first, so a retry neither stores a second copy
   * nor uses up a seq. (Without it a duplicate is still refused by the unique index.)
   */
  retry?: boolean;
  /** Replies: the seq of a message of the same room this one answers (not deleted or hidden). */
  replyTo?: number;
  /** Mentions: ids of users of the site (at most 20); `@here` and `@everyone` are read from the text. */
  mentions?: string[];
  /**
   * Images: ids of the sender's own uploads not attached to a message yet (at most 4). With attachments the text
   * may be empty.
   */
  attachments?: string[];
}

export interface SendResult {
  message: Message;
}

/** Edit your own message: the same text rules as a send. */
export interface EditRequest {
  roomId: string;
  seq: number;
  text: string;
}

/** Delete your own message, or (admins) anyone's. */
export interface DeleteRequest {
  roomId: string;
  seq: number;
}

/** Why a message is reported. */
export type ReportReason = 'spam' | 'harassment' | 'hate' | 'sexual' | 'violence' | 'other';

/**
 * Socket `message:report`: tells the site's moderators about someone else's message. One report per user and
 * message: reporting again replaces the reason. Counts against the message limit.
 */
export interface ReportRequest {
  roomId: string;
  seq: number;
  reason: ReportReason;
  /** Up to 500 characters. */
  details?: string;
}

export interface ReportResult {
  report: { roomId: string; seq: number; reason: ReportReason; createdAt: string };
}

/** The edited or deleted message, as broadcast by `message:updated`. */
export interface UpdateResult {
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
  /** Newest first by seq. Fewer than `limit` when the page reached 256 KB; `more` says whether older ones exist. */
  messages: Message[];
  /** Older messages exist before the last one of this page. */
  more: boolean;
}

/**
 * A change of the room's online list; the full list comes with `room:join`. A user is listed once however many
 * tabs they have; when their last one closes they stay listed for a short grace period (a reload is not a leave).
 */
export interface PresenceChange {
  roomId: string;
  user: PresenceUser;
}

/** Someone in the room is typing; clients show it for 5 s or until their message arrives. Never stored. */
export interface TypingUpdate {
  roomId: string;
  user: PresenceUser;
}

export interface SessionEnded {
  /** `expired`: the session's idle or absolute lifetime ran out while the socket was open. */
  reason: 'logout' | 'banned' | 'expired' | 'erased';
}

export type AckCallback<T extends object = object> = (response: Ack<T>) => void;

// pinned messages and search in a room

/**
 * A pinned message as room info carries it: enough for a pin bar without fetching the message. A deleted message is
 * unpinned; a hidden one stays pinned with an empty excerpt and `hidden` until it is shown again.
 */
export interface PinnedMessage {
  seq: number;
  author: Author;
  /** The message's first line, up to 140 characters (with … when cut). */
  excerpt: string;
  /** ISO 8601. */
  pinnedAt: string;
  hidden?: true;
}

/**
 * Socket `message:pin` (moderators and above): pins (`pinned: true`) or unpins a message of a joined room. Pinning a
 * pinned message or unpinning one that is not pinned changes nothing. A room holds at most 10 pins: an 11th is a
 * `conflict`. Every change is logged (`message.pin`, `message.unpin`) and broadcast as `room:updated`.
 */
export interface PinRequest {
  roomId: string;
  seq: number;
  pinned: boolean;
}

export interface PinResult {
  /** The room's pins after the change, the most recently pinned first. */
  pinned: PinnedMessage[];
}

/**
 * Socket `room:search` (anyone who joined the room, readers too): messages of the room holding every word of `query`
 * (whole words, whatever the case and accents; in Chinese or Japanese text anywhere), newest first. Deleted and
 * hidden messages never match. One answer looks at a bounded number of messages: continue with `before: next`.
 */
export interface SearchRequest {
  roomId: string;
  /** 1–100 characters with at least one letter or digit; up to 8 words count. */
  query: string;
  /** Only messages with a smaller seq (the previous answer's `next`); omit for the newest. */
  before?: number;
  /** 1–50, default 20. */
  limit?: number;
}

export interface SearchResult {
  /** Newest first. May be fewer than `limit`, even none, while `next` is not null: the search stopped for now. */
  messages: Message[];
  /** Where to go on (`before`); null when the room's start was reached. */
  next: number | null;
}

// reactions
/**
 * Socket `message:react`: toggles your reaction `emoji` (one emoji, e.g. "👍" or "👍🏽") on a message of a joined room:
 * adds it, or takes it back when you had it. Answers the message as stored; the room hears `message:updated` once
 * per change. Members and guests who may post in the room; not on deleted or hidden messages; at most 20 different
 * emoji per message (a 21st is `conflict`). Rate limited per user.
 */
export interface ReactRequest {
  roomId: string;
  seq: number;
  emoji: string;
}

export interface ClientToServerEvents {
  'room:join': (request: JoinRequest, ack: AckCallback<JoinResult>) => void;
  'room:leave': (request: RoomRequest, ack: AckCallback) => void;
  'room:history': (request: HistoryRequest, ack: AckCallback<HistoryResult>) => void;
  'message:send': (request: SendRequest, ack: AckCallback<SendResult>) => void;
  'message:edit': (request: EditRequest, ack: AckCallback<UpdateResult>) => void;
  'message:delete': (request: DeleteRequest, ack: AckCallback<UpdateResult>) => void;
  'message:report': (request: ReportRequest, ack: AckCallback<ReportResult>) => void;
  'typing:start': (request: RoomRequest, ack: AckCallback) => void;
  // reactions
  'message:react': (request: ReactRequest, ack: AckCallback<UpdateResult>) => void;
  // pinned messages and search in a room
  'message:pin': (request: PinRequest, ack: AckCallback<PinResult>) => void;
  'room:search': (request: SearchRequest, ack: AckCallback<SearchResult>) => void;
}

export interface ServerToClientEvents {
  'message:new': (message: Message) => void;
  /** The session was ended (logout here or in another tab, or a ban); the server disconnects right after. */
  'session:ended': (event: SessionEnded) => void;
  /** A message was edited or deleted (a tombstone: same seq, empty text, `deletedAt`). */
  'message:updated': (message: Message) => void;
  /** The room was renamed, archived or unarchived, slowed, paused, or its pins changed. */
  'room:updated': (room: RoomInfo) => void;
  'presence:join': (change: PresenceChange) => void;
  'presence:leave': (change: PresenceChange) => void;
  'typing:update': (update: TypingUpdate) => void;
}

// ---- the site owners' console (`/api/console/…`, same-origin cookie session; not part of the SDK client) ----

export type ConsoleRole = 'owner' | 'admin' | 'moderator';

export interface ConsoleSite {
  id: string;
  name: string;
  role: ConsoleRole;
}

export interface ConsoleAccount {
  id: string;
  email: string;
  sites: ConsoleSite[];
}

/** POST /api/console/login → 200 ConsoleAccountResponse; GET /api/console/me → 200 ConsoleAccountResponse. */
export interface ConsoleLoginRequest {
  email: string;
  password: string;
}

export interface ConsoleAccountResponse {
  account: ConsoleAccount;
}

/** GET /api/console/invites/:token → 200 ConsoleInviteResponse: what the link offers. */
export interface ConsoleInviteResponse {
  invite: { site: { id: string; name: string }; role: ConsoleRole; email: string; expiresAt: string; accountExists: boolean };
}

/**
 * POST /api/console/invites/:token/accept → 201 ConsoleAccountResponse: the invited email's password (a new one
 * for a new account, the account's own otherwise); signs in.
 */
export interface AcceptInviteRequest {
  password: string;
}

/** POST /api/console/sites → 201 ConsoleAccountResponse: a new site, owned by the signed-in account. */
export interface CreateSiteRequest {
  id: string;
  name: string;
  /** Where the widget will be embedded first, `scheme://host[:port]`. */
  origin: string;
}

/** GET /api/console/sites/:siteId → 200 ConsoleSiteResponse; PATCH (owners, admins) with UpdateConsoleSiteRequest. */
export interface ConsoleSiteResponse {
  /** `chatUser`: the chat user of this site the account is linked to (it then acts as them in the site's API), if any. */
  site: ConsoleSite & { allowedOrigins: string[]; chatUser: Author | null };
}

/**
 * PUT /api/console/sites/:siteId/chat-user (any role) → 200 ConsoleSiteResponse: links the console account to its
 * chat user on the site, proven by that user's username and password. DELETE → 204 unlinks it.
 */
export type LinkChatUserRequest = LoginRequest;

/** The site's name and the origins where its widget may be embedded (`scheme://host[:port]`, at most 50). */
export interface UpdateConsoleSiteRequest {
  name?: string;
  allowedOrigins?: string[];
}

/** GET /api/console/sites/:siteId/team (any role) → 200 ConsoleTeamResponse. */
export interface ConsoleTeamResponse {
  team: Array<{ id: string; email: string; role: ConsoleRole }>;
}

/**
 * POST /api/console/sites/:siteId/invites (owners: any role; admins: admin or moderator) → 201 ConsoleInviteLinkResponse:
 * a one-time link, valid 7 days, shown this once. DELETE /api/console/sites/:siteId/team/:accountId removes someone
 * (owners anyone but the last owner; admins anyone but owners).
 */
export interface ConsoleInviteRequest {
  email: string;
  role: ConsoleRole;
}

export interface ConsoleInviteLinkResponse {
  /** The path of the invite page, to append to the backend's origin: `/console/#/invite/<token>`. */
  link: string;
  expiresAt: string;
}

/** GET /api/console/about (anyone) → 200: how console accounts are made on this server. */
export interface ConsoleAboutResponse {
  /** `open`: anyone may sign up (POST /api/console/signup); `invite`: only by invite link. */
  signup: 'open' | 'invite';
}

/**
 * POST /api/console/signup (only when signup is open) → 201 ConsoleAccountResponse, signed in. `proof`: a solved
 * challenge of GET /api/console/challenge when the server asks for one.
 */
export interface ConsoleSignupRequest {
  email: string;
  password: string;
  proof?: string;
}

/** GET /api/console/resets/:token → 200: the account a password-reset link is for (the operator's CLI prints it). */
export interface ConsoleResetResponse {
  reset: { email: string; expiresAt: string };
}

/** POST /api/console/resets/:token → 200 ConsoleAccountResponse: the new password; every other session ends. */
export interface ConsoleResetRequest {
  password: string;
}

/** DELETE /api/console/sites/:siteId?confirm=<the site's id, typed again> (owners) → 204. */
export interface DeleteSiteRequest {
  confirm: string;
}

/**
 * GET /api/sites/:siteId/activity (moderators) → 200: for the console's Overview. `online`: users online now in any
 * room; `days`: the last 30 UTC days, oldest first, today last (messages stored, distinct authors); `topRooms`: the
 * rooms with the most messages over those days, at most 5.
 */
export interface SiteActivityResponse {
  activity: {
    online: number;
    days: Array<{ day: string; messages: number; activeUsers: number }>;
    topRooms: Array<{ roomId: string; name: string; messages: number }>;
  };
}

/**
 * GET /api/sites/:siteId/rooms/:roomId/transcript?day=YYYY-MM-DD&after=<seq>&limit=<1–200> (moderators) → one page of
 * a room's messages of that UTC day, oldest first; deleted ones as tombstones, hidden ones with their text.
 */
export interface TranscriptResponse {
  messages: Message[];
  /** The `after` of the next page of the day; null when this page ends the day. */
  next: number | null;
}

/** Query of GET /api/sites/:siteId/rooms/:roomId/export: a streamed download of the days `from`–`to` (UTC, at most 366). */
export interface TranscriptExportQuery {
  from: string;
  to: string;
  format: 'json' | 'csv';
}

/** Filters of GET /api/sites/:siteId/moderation, besides `before` and `limit`. */
export interface ModerationLogFilters {
  action?: ModerationActionType;
  /** Who did it: a chat user's id, or `console:<account id>`. */
  actor?: string;
  /** Whom it was done to: a user's id. */
  target?: string;
}

/**
 * GET /api/console/sites/:siteId/secret (owners) → 200 ConsoleSecretResponse: the site's identity secret, the HMAC
 * key of identity tokens and hashes (docs/embedding.md). Logged as `site.secret.view`.
 * POST /api/console/sites/:siteId/secret with RotateSecretRequest (owners) → 200 ConsoleSecretResponse: a new
 * secret. Tokens and hashes signed with the old one are refused at once; sessions already started go on. Logged as
 * `site.secret.rotate`.
 */
export interface ConsoleSecretResponse {
  secret: string;
}

export interface RotateSecretRequest {
  /** The site's id, typed again. */
  confirm: string;
}

/** A user of the site as the console's People section lists them (moderators and up). */
export interface SiteUser {
  id: string;
  displayName: string;
  username: string;
  role: Role;
  /** A guest: chats under a chosen name, with no account (`username` is an internal `guest:…` key). */
  guest: boolean;
  banned: boolean;
  createdAt: string;
}

/**
 * GET /api/sites/:siteId/users?q=<text>&limit=<1–50, default 20> (moderators) → 200 SiteUsersResponse: users whose
 * display name or username holds `q`, whatever the case and accents, those starting with it first, then the newest;
 * without `q`, the newest users.
 */
export interface SiteUsersResponse {
  users: SiteUser[];
}

/**
 * GET /api/sites/:siteId/users/:userId (moderators) → 200 SiteUserResponse: the user, the rooms where they are muted
 * now, and their recent messages, newest first (up to 50, and only among the latest 1,000 messages of each room).
 */
export interface SiteUserResponse {
  user: SiteUser;
  mutes: Array<{ roomId: string; until: string }>;
  recentMessages: Message[];
}

