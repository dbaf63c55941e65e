import { z } from 'zod';
import type {
  Attachment,
  UploadResponse,
  WebhookDeliveriesResponse,
  WebhookDelivery,
  WebhookDeliveryResponse,
  WebhookEndpoint,
  WebhookEndpointResponse,
  WebhookEndpointsResponse,
  BlocksResponse,
  ErrorCode,
  ErrorResponse,
  MeResponse,
  ModerationAction,
  ModerationActionType,
  ModerationLogResponse,
  Message,
  MuteResponse,
  ReportSettingsResponse,
  ReportsResponse,
  ResolveReportResponse,
  Access,
  RefusalReason,
  Role,
  RoleResponse,
  RoomInfo,
  RoomResponse,
  RoomsResponse,
  SessionCheckResponse,
  SessionResponse,
  SiteInfoResponse,
  SiteSettingsResponse,
  EmailSettingsResponse,
  DataExport,
  StaffResponse,
  User,
  WordFilterResponse,
  ChallengeResponse,
  PrePublishHookResponse,
  ConsoleAccountResponse,
  ConsoleInviteResponse,
  ConsoleAboutResponse,
  ConsoleResetResponse,
  ConsoleSiteResponse,
  ConsoleTeamResponse,
  ConsoleInviteLinkResponse,
} from '../../sdk/protocol';
import { TOKEN_PATTERN } from './session';
import { WORD_FILTER_ACTIONS } from '../moderation/word-filter';
import { REPORT_REASONS } from '../moderation/reports';
import { WEBHOOK_EVENT_TYPES } from '../../sdk/webhooks';

/**
 * Zod schemas of the HTTP responses in sdk/protocol.ts, from which the OpenAPI document is generated.
 * Each `satisfies` ties a schema to its protocol type, so the document cannot drift from what the SDK expects.
 */

// a mapped type demands every ErrorCode and no other key: a code added to the protocol must be added here
const errorCodes: { [Code in ErrorCode]: Code } = {
  invalid_input: 'invalid_input',
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  not_found: 'not_found',
  conflict: 'conflict',
  rate_limited: 'rate_limited',
  unavailable: 'unavailable',
  network: 'network',
  internal: 'internal',
};

export const errorCodeSchema = z.enum(errorCodes) satisfies z.ZodType<ErrorCode>;

const roles: { [R in Role]: R } = { guest: 'guest', member: 'member', moderator: 'moderator', admin: 'admin', owner: 'owner' };
export const roleSchema = z.enum(roles).meta({ description: 'Rank, lowest first: guest, member, moderator (moderates), admin (also rooms, roles, settings), owner.' });

const refusalReasons: { [R in RefusalReason]: R } = {
  'slow-mode': 'slow-mode',
  paused: 'paused',
  muted: 'muted',
  archived: 'archived',
  'read-only': 'read-only',
  links: 'links',
  'mention-everyone': 'mention-everyone',
  'word-filter': 'word-filter',
  banned: 'banned',
  hook: 'hook',
};

const accessValues: { [A in Access]: A } = { members: 'members', guests: 'guests', 'read-only': 'read-only' };
export const accessSchema = z.enum(accessValues).meta({ description: 'members: members only; guests: anyone reads, and chats under a chosen name; read-only: anyone reads, members post.' });

export const userSchema = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  role: roleSchema,
  blocked: z.array(z.string()).optional().meta({ description: 'The ids of the users this one blocked (absent when none).' }),
}) satisfies z.ZodType<User>;

export const blocksResponseSchema = z.object({
  blocked: z.array(z.object({ id: z.string(), displayName: z.string() })),
}) satisfies z.ZodType<BlocksResponse>;

export const sessionResponseSchema = z.object({
  user: userSchema,
  // what the server accepts back as a bearer token (server/http/session.ts)
  token: z
    .string()
    .regex(TOKEN_PATTERN)
    .optional()
    .meta({
      description:
        'The session id. Send it as `Authorization: Bearer <token>` or as Socket.IO `auth.token`. Left out when the ' +
        'session went out as httpOnly cookies only, to a page of the Parley origin itself (`Sec-Fetch-Site: same-origin`, ' +
        'no bearer token): no script there may read it.',
    }),
}) satisfies z.ZodType<SessionResponse>;

export const meResponseSchema = z.object({
  user: userSchema,
}) satisfies z.ZodType<MeResponse>;

export const sessionCheckResponseSchema = z.object({
  user: userSchema.nullable().meta({ description: 'The user of this session, or null when there is no session of this site.' }),
}) satisfies z.ZodType<SessionCheckResponse>;

export const errorResponseSchema = z.object({
  error: z.object({
    code: errorCodeSchema,
    message: z.string().meta({ description: 'Human-readable, safe to show.' }),
    field: z.string().optional().meta({ description: 'The input field the error is about, when there is one.' }),
    retryAfterMs: z.number().int().nonnegative().optional(),
    reason: z.enum(refusalReasons).optional().meta({ description: 'Why a post was refused, stable for translation.' }),
  }),
}) satisfies z.ZodType<ErrorResponse>;

export const roomInfoSchema = z.object({
  id: z.string(),
  name: z.string(),
  archived: z.boolean().meta({ description: 'An archived room keeps its history and can be joined, but takes no new messages.' }),
  slowModeSeconds: z
    .number()
    .int()
    .nonnegative()
    .meta({ description: 'Slow mode: seconds a member waits between two messages (0: off); admins are exempt.' }),
  paused: z.boolean().meta({ description: 'A paused room takes messages from moderators only.' }),
  access: accessSchema,
  // pinned messages
  pinned: z
    .array(
      z.object({
        seq: z.number().int().positive(),
        author: z.object({ id: z.string(), displayName: z.string() }),
        excerpt: z.string(),
        pinnedAt: z.iso.datetime(),
        hidden: z.literal(true).optional(),
      }),
    )
    .max(10)
    .optional()
    .meta({ description: 'The pinned messages, the most recently pinned first (at most 10); absent when none.' }),
}) satisfies z.ZodType<RoomInfo>;

const authorSchema = z.object({ id: z.string(), displayName: z.string() });

export const siteSettingsResponseSchema = z.object({
  settings: z.object({
    access: accessSchema,
    postingRights: z.object({
      links: roleSchema.meta({ description: 'The lowest rank that may post web addresses.' }),
      mentionEveryone: roleSchema.meta({ description: 'The lowest rank that may post `@everyone` and `@here`.' }),
    }),
    guestBanHours: z.number().int().nonnegative().meta({ description: "How long a banned guest's network may not sign up again (0: not at all)." }),
    uploadMaxMB: z.number().int().nonnegative().meta({ description: 'The largest image a user may upload, in MB (0: no uploads).' }),
    emailDigests: z.boolean().meta({ description: 'Email digests for users mentioned or replied to while away (default on).' }),
    retentionDays: z.number().int().nonnegative().meta({ description: 'Messages older than this many days are erased daily, with their images (0: kept).' }),
  }),
}) satisfies z.ZodType<SiteSettingsResponse>;

export const emailSettingsResponseSchema = z.object({
  email: z.object({
    available: z.boolean().meta({ description: 'The server sends email and the site sends digests.' }),
    address: z.string().optional().meta({ description: 'The confirmed address digests go to.' }),
    pending: z.string().optional().meta({ description: 'An address waiting for its owner to follow the link sent to it.' }),
    fromSite: z.literal(true).optional().meta({ description: "An identified user's address, from the site's token." }),
    notify: z.boolean().meta({ description: "The user's own switch (default on)." }),
  }),
}) satisfies z.ZodType<EmailSettingsResponse>;

export const siteInfoResponseSchema = z.object({
  site: z.object({
    id: z.string(),
    name: z.string(),
    access: accessSchema,
    read: z.boolean().meta({ description: 'Some room can be read without an account (over a socket opened with `auth: { site, read: true }`).' }),
    guests: z.boolean().meta({ description: 'Guest sign-in is open: some room takes guests.' }),
  }),
}) satisfies z.ZodType<SiteInfoResponse>;

const consoleRoleSchema = z.enum(['owner', 'admin', 'moderator']);

export const consoleAccountResponseSchema = z.object({
  account: z.object({
    id: z.string(),
    email: z.string(),
    sites: z.array(z.object({ id: z.string(), name: z.string(), role: consoleRoleSchema })),
  }),
}) satisfies z.ZodType<ConsoleAccountResponse>;

export const consoleSiteResponseSchema = z.object({
  site: z.object({
    id: z.string(),
    name: z.string(),
    role: consoleRoleSchema,
    allowedOrigins: z.array(z.string()),
    chatUser: z.object({ id: z.string(), displayName: z.string() }).nullable(),
  }),
}) satisfies z.ZodType<ConsoleSiteResponse>;

export const consoleTeamResponseSchema = z.object({
  team: z.array(z.object({ id: z.string(), email: z.string(), role: consoleRoleSchema })),
}) satisfies z.ZodType<ConsoleTeamResponse>;

export const consoleInviteLinkResponseSchema = z.object({
  link: z.string().meta({ description: 'The invite page\'s path, `/console/#/invite/<token>`: one use, shown this once.' }),
  expiresAt: z.string(),
}) satisfies z.ZodType<ConsoleInviteLinkResponse>;

export const consoleInviteResponseSchema = z.object({
  invite: z.object({
    site: z.object({ id: z.string(), name: z.string() }),
    role: consoleRoleSchema,
    email: z.string(),
    expiresAt: z.string(),
    accountExists: z.boolean().meta({ description: 'The email has a console account: accepting takes its password; otherwise it sets one.' }),
  }),
}) satisfies z.ZodType<ConsoleInviteResponse>;

export const consoleAboutResponseSchema = z.object({
  signup: z.enum(['open', 'invite']).meta({ description: '`open`: anyone may sign up; `invite`: invite links only.' }),
}) satisfies z.ZodType<ConsoleAboutResponse>;

export const consoleResetResponseSchema = z.object({
  reset: z.object({ email: z.string(), expiresAt: z.string() }),
}) satisfies z.ZodType<ConsoleResetResponse>;

export const prePublishHookResponseSchema = z.object({
  hook: z.object({ url: z.string(), timeoutMs: z.number().int(), failOpen: z.boolean() }).nullable(),
  secret: z.string().optional().meta({ description: 'The signing secret: only in the answer that created or rotated it.' }),
}) satisfies z.ZodType<PrePublishHookResponse>;

export const challengeResponseSchema = z.object({
  challenge: z
    .object({
      algorithm: z.literal('SHA-256'),
      challenge: z.string().meta({ description: 'hex SHA-256 of `salt + number`, for the number to find' }),
      maxnumber: z.number().int().meta({ description: 'the number is between 0 and this' }),
      salt: z.string(),
      signature: z.string(),
    })
    .nullable()
    .meta({ description: "null: this server asks for no proof. Send base64(JSON { algorithm, challenge, number, salt, signature }) as `proof`." }),
}) satisfies z.ZodType<ChallengeResponse>;

export const staffResponseSchema = z.object({
  staff: z.array(authorSchema.extend({ username: z.string(), role: roleSchema })),
}) satisfies z.ZodType<StaffResponse>;

export const roleResponseSchema = z.object({ user: authorSchema.extend({ role: roleSchema }) }) satisfies z.ZodType<RoleResponse>;

export const roomsResponseSchema = z.object({ rooms: z.array(roomInfoSchema) }) satisfies z.ZodType<RoomsResponse>;
export const roomResponseSchema = z.object({ room: roomInfoSchema }) satisfies z.ZodType<RoomResponse>;

export const muteResponseSchema = z.object({
  mute: z.object({ roomId: z.string(), userId: z.string(), until: z.iso.datetime() }),
}) satisfies z.ZodType<MuteResponse>;

const moderationActionTypes: { [A in ModerationActionType]: A } = {
  'room.create': 'room.create',
  'room.rename': 'room.rename',
  'room.archive': 'room.archive',
  'room.unarchive': 'room.unarchive',
  'room.slow-mode': 'room.slow-mode',
  'room.pause': 'room.pause',
  'room.resume': 'room.resume',
  'message.delete': 'message.delete',
  'user.erase': 'user.erase',
  'user.mute': 'user.mute',
  'user.unmute': 'user.unmute',
  'user.ban': 'user.ban',
  'user.unban': 'user.unban',
  'site.word-filter': 'site.word-filter',
  'message.hide': 'message.hide',
  'report.dismiss': 'report.dismiss',
  'site.report-settings': 'site.report-settings',
  'site.settings': 'site.settings',
  'room.access': 'room.access',
  'user.role': 'user.role',
  'site.pre-publish': 'site.pre-publish',
  'site.create': 'site.create',
  'site.update': 'site.update',
  'team.invite': 'team.invite',
  'team.remove': 'team.remove',
  'team.link': 'team.link',
  'transcript.export': 'transcript.export',
  'site.secret.view': 'site.secret.view',
  'site.secret.rotate': 'site.secret.rotate',
  // pinned messages
  'message.pin': 'message.pin',
  'message.unpin': 'message.unpin',
  'site.webhook': 'site.webhook',
};

export const moderationActionSchema = z.object({
  id: z.string(),
  action: z.enum(moderationActionTypes),
  actor: z.object({ id: z.string(), displayName: z.string() }),
  roomId: z.string().optional(),
  targetUserId: z.string().optional(),
  seq: z.number().int().optional(),
  reason: z.string().optional(),
  until: z.iso.datetime().optional(),
  createdAt: z.iso.datetime(),
}) satisfies z.ZodType<ModerationAction>;

export const moderationLogResponseSchema = z.object({
  actions: z.array(moderationActionSchema),
}) satisfies z.ZodType<ModerationLogResponse>;

export const wordFilterResponseSchema = z.object({
  wordFilter: z.object({ entries: z.array(z.string()), action: z.enum(WORD_FILTER_ACTIONS) }),
}) satisfies z.ZodType<WordFilterResponse>;

export const attachmentSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    type: z.enum(['image/png', 'image/jpeg', 'image/webp', 'image/gif']).meta({ description: "The type the file's content showed." }),
    size: z.number().int().positive(),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
  })
  .meta({ description: 'An uploaded image, stored without metadata; its bytes at `/uploads/{id}`, a WebP thumbnail at `/uploads/{id}/thumbnail`.' }) satisfies z.ZodType<Attachment>;

export const uploadResponseSchema = z.object({ upload: attachmentSchema }) satisfies z.ZodType<UploadResponse>;

export const messageSchema = z.object({
  id: z.string(),
  seq: z.number().int().positive(),
  roomId: z.string(),
  author: authorSchema,
  text: z.string(),
  clientMsgId: z.string(),
  createdAt: z.iso.datetime(),
  editedAt: z.iso.datetime().optional(),
  deletedAt: z.iso.datetime().optional(),
  hiddenAt: z.iso.datetime().optional().meta({ description: 'Hidden pending review after reports; the room sees no text.' }),
  reactions: z.array(z.object({ emoji: z.string(), count: z.number().int().positive(), userIds: z.array(z.string()) })).optional(),
  replyTo: z
    .object({ seq: z.number().int().positive(), author: authorSchema, excerpt: z.string(), deleted: z.literal(true).optional(), hidden: z.literal(true).optional() })
    .optional()
    .meta({ description: 'The message this one answers, as it is now.' }),
  mentions: z.array(z.string()).optional().meta({ description: "Ids of the users mentioned, and 'here' for @here/@everyone." }),
  attachments: z.array(attachmentSchema).optional(),
}) satisfies z.ZodType<Message>;


export const reportsResponseSchema = z.object({
  reported: z.array(
    z.object({
      message: messageSchema,
      reports: z.array(z.object({ reporter: authorSchema, reason: z.enum(REPORT_REASONS), details: z.string().optional(), createdAt: z.iso.datetime() })),
    }),
  ),
}) satisfies z.ZodType<ReportsResponse>;

export const resolveReportResponseSchema = z.object({
  resolved: z.number().int().nonnegative().meta({ description: 'How many open reports were closed.' }),
  message: messageSchema,
}) satisfies z.ZodType<ResolveReportResponse>;

export const reportSettingsResponseSchema = z.object({
  reportSettings: z.object({ hideAfter: z.number().int().nonnegative() }),
}) satisfies z.ZodType<ReportSettingsResponse>;

/** GET /healthz and GET /readyz. */
export const healthResponseSchema = z.object({
  ok: z.literal(true),
});

export const siteActivityResponseSchema = z.object({
  activity: z.object({
    online: z.number().int().min(0),
    days: z.array(z.object({ day: z.string(), messages: z.number().int().min(0), activeUsers: z.number().int().min(0) })).length(30),
    topRooms: z.array(z.object({ roomId: z.string(), name: z.string(), messages: z.number().int().min(0) })).max(5),
  }),
}) satisfies z.ZodType<import('../../sdk/protocol').SiteActivityResponse>;

export const transcriptResponseSchema = z.object({
  messages: z.array(messageSchema),
  next: z.number().int().positive().nullable().meta({ description: "The next page's `after`; null at the end of the day." }),
}) satisfies z.ZodType<import('../../sdk/protocol').TranscriptResponse>;

export const consoleSecretResponseSchema = z.object({
  secret: z.string().meta({ description: "The site's identity secret (new ones: 32 random bytes, hex)." }),
}) satisfies z.ZodType<import('../../sdk/protocol').ConsoleSecretResponse>;

export const siteUserSchema = z.object({
  id: z.string(),
  displayName: z.string(),
  username: z.string(),
  role: roleSchema,
  guest: z.boolean().meta({ description: "A guest: no account; `username` is an internal key." }),
  banned: z.boolean(),
  createdAt: z.iso.datetime(),
}) satisfies z.ZodType<import('../../sdk/protocol').SiteUser>;

export const siteUsersResponseSchema = z.object({ users: z.array(siteUserSchema) }) satisfies z.ZodType<import('../../sdk/protocol').SiteUsersResponse>;

export const siteUserResponseSchema = z.object({
  user: siteUserSchema,
  mutes: z.array(z.object({ roomId: z.string(), until: z.iso.datetime() })).meta({ description: 'The rooms where the user is muted now, and until when.' }),
  recentMessages: z.array(messageSchema).meta({ description: "Newest first, up to 50, from the latest 1,000 messages of each room; hidden ones with their text." }),
}) satisfies z.ZodType<import('../../sdk/protocol').SiteUserResponse>;


// webhooks
const webhookEventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES);

export const webhookEndpointSchema = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(webhookEventTypeSchema),
  description: z.string().optional(),
  enabled: z.boolean().meta({ description: 'false: nothing is sent (switched off, or disabled after failing for the retry window).' }),
  disabledReason: z.string().optional().meta({ description: 'Why Parley disabled it; kept until it is enabled again.' }),
  failingSince: z.iso.datetime().optional(),
  secret: z.string().meta({ description: 'The signing secret (`whsec_…`).' }),
  createdAt: z.iso.datetime(),
}) satisfies z.ZodType<WebhookEndpoint>;

export const webhookEndpointResponseSchema = z.object({ endpoint: webhookEndpointSchema }) satisfies z.ZodType<WebhookEndpointResponse>;
export const webhookEndpointsResponseSchema = z.object({ endpoints: z.array(webhookEndpointSchema) }) satisfies z.ZodType<WebhookEndpointsResponse>;

const webhookDeliverySchema = z.object({
  id: z.string().meta({ description: 'Sent as `Parley-Delivery`, the same on every attempt.' }),
  eventId: z.string(),
  type: webhookEventTypeSchema,
  state: z.enum(['pending', 'delivered', 'failed']),
  createdAt: z.iso.datetime(),
  nextAttemptAt: z.iso.datetime().optional(),
  attempts: z.array(
    z.object({
      id: z.string().meta({ description: 'Sent as `Parley-Attempt`; never the same for two requests.' }),
      at: z.iso.datetime(),
      durationMs: z.number().int().nonnegative(),
      status: z.number().int().optional(),
      error: z.string().optional(),
      excerpt: z.string().optional(),
    }),
  ),
  body: z.string().meta({ description: 'What is sent, as sent.' }),
}) satisfies z.ZodType<WebhookDelivery>;

export const webhookDeliveriesResponseSchema = z.object({
  deliveries: z.array(webhookDeliverySchema),
  next: z.string().nullable().meta({ description: 'Pass as `before` for older deliveries; null at the first.' }),
}) satisfies z.ZodType<WebhookDeliveriesResponse>;

export const webhookDeliveryResponseSchema = z.object({ delivery: webhookDeliverySchema }) satisfies z.ZodType<WebhookDeliveryResponse>;

const isoDate = z.string().meta({ description: 'ISO 8601.' });

export const dataExportSchema = z.object({
  exportedAt: isoDate,
  site: z.object({ id: z.string(), name: z.string() }),
  user: userSchema.extend({
    createdAt: isoDate,
    externalId: z.string().optional(),
    email: z.string().optional(),
    pendingEmail: z.string().optional(),
    emailNotifications: z.boolean(),
    page: z.string().optional(),
    locale: z.string().optional(),
    lastDigestAt: isoDate.optional(),
    bannedAt: isoDate.optional(),
    expiresAt: isoDate.optional(),
  }),
  sessions: z.array(z.object({ signedInAt: isoDate.optional(), expiresAt: isoDate })),
  messages: z.array(messageSchema.pick({ roomId: true, seq: true, text: true, createdAt: true, editedAt: true, deletedAt: true, hiddenAt: true, replyTo: true, mentions: true, attachments: true })),
  reactions: z.array(z.object({ roomId: z.string(), seq: z.number().int(), emoji: z.string() })),
  uploads: z.array(attachmentSchema.extend({ createdAt: isoDate, roomId: z.string().optional(), seq: z.number().int().optional(), url: z.string() })),
  reports: z.array(z.object({ roomId: z.string(), seq: z.number().int(), reason: z.enum(REPORT_REASONS), details: z.string().optional(), createdAt: isoDate, status: z.enum(['open', 'resolved']) })),
}) satisfies z.ZodType<DataExport>;
