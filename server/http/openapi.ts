import type Router from '@koa/router';
import { createRouter } from './router';
import { z } from 'zod';
import {
  blocksResponseSchema,
  emailSettingsResponseSchema,
  dataExportSchema,
  uploadResponseSchema,
  webhookDeliveriesResponseSchema,
  webhookDeliveryResponseSchema,
  webhookEndpointResponseSchema,
  webhookEndpointsResponseSchema,
  errorResponseSchema,
  healthResponseSchema,
  meResponseSchema,
  messageSchema,
  moderationActionSchema,
  moderationLogResponseSchema,
  muteResponseSchema,
  reportSettingsResponseSchema,
  reportsResponseSchema,
  resolveReportResponseSchema,
  roomInfoSchema,
  roomResponseSchema,
  roomsResponseSchema,
  sessionCheckResponseSchema,
  sessionResponseSchema,
  siteInfoResponseSchema,
  challengeResponseSchema,
  prePublishHookResponseSchema,
  consoleAccountResponseSchema,
  consoleAboutResponseSchema,
  siteActivityResponseSchema,
  consoleResetResponseSchema,
  consoleInviteResponseSchema,
  consoleSiteResponseSchema,
  consoleTeamResponseSchema,
  consoleInviteLinkResponseSchema,
  siteSettingsResponseSchema,
  staffResponseSchema,
  roleResponseSchema,
  userSchema,
  wordFilterResponseSchema,
} from './api-schemas';
import { ACTOR_ID_PATTERN, banSchema, muteSchema, wordFilterSchema } from './routes/moderation';
import { createRoomSchema, updateRoomSchema } from './routes/rooms';
import { reportSettingsSchema, resolveReportSchema } from './routes/reports';
import { blockSchema } from './routes/blocks';
import { emailAddressSchema, emailNotifySchema } from './routes/email';
import { eraseSchema } from './routes/data-rights';
import { roleSchema, updateSiteSettingsSchema } from './routes/site-settings';
import { guestSchema } from './routes/guests';
import { hookRequestSchema } from './routes/pre-publish';
import { endpointRequestSchema } from './routes/webhooks';
import {
  acceptInviteSchema,
  consoleInviteSchema,
  consoleLoginSchema,
  consoleResetSchema,
  consoleSignupSchema,
  createSiteSchema,
  linkChatUserSchema,
  updateConsoleSiteSchema,
} from './routes/console';
import { identifySchema, loginSchema, registerSchema } from './routes/auth';
import { siteUserResponseSchema, siteUsersResponseSchema } from './api-schemas';
import { consoleSecretResponseSchema } from './api-schemas';
import { transcriptResponseSchema } from './api-schemas';
import { MAX_EXPORT_DAYS } from './routes/room-records';
import { rotateSecretSchema } from './routes/site-secret';
import { PEOPLE_QUERY_LENGTH } from './routes/people';
import { CONSOLE_COOKIE, SESSION_COOKIE } from './session';
import { ID_PATTERN, OBJECT_ID_PATTERN } from '../validation';

type JsonSchema = Record<string, unknown>;

/** The subset of an OpenAPI 3.1 document that Parley writes; schemas are JSON Schema 2020-12. */
export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  jsonSchemaDialect: string;
  paths: Record<string, Record<string, unknown>>;
  components: {
    schemas: Record<string, JsonSchema>;
    responses: Record<string, unknown>;
    securitySchemes: Record<string, unknown>;
  };
}

export const OPENAPI_PATH = '/api/openapi.json';

/** Site ids as the server accepts them in paths. */
export const SITE_ID_PATTERN = ID_PATTERN.source;

const schemaRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const responseRef = (name: string) => ({ $ref: `#/components/responses/${name}` });
const json = (name: string) => ({ 'application/json': { schema: schemaRef(name) } });

/** Component schemas from zod: requests as the handlers parse them (input), responses as they are sent (output). */
function componentSchemas(): Record<string, JsonSchema> {
  const requests = z.registry<{ id: string }>();
  requests.add(registerSchema, { id: 'RegisterRequest' });
  requests.add(loginSchema, { id: 'LoginRequest' });
  requests.add(identifySchema, { id: 'IdentifyRequest' });
  requests.add(createRoomSchema, { id: 'CreateRoomRequest' });
  requests.add(updateRoomSchema, { id: 'UpdateRoomRequest' });
  requests.add(muteSchema, { id: 'MuteRequest' });
  requests.add(banSchema, { id: 'BanRequest' });
  requests.add(wordFilterSchema, { id: 'WordFilterSettings' });
  requests.add(resolveReportSchema, { id: 'ResolveReportRequest' });
  requests.add(reportSettingsSchema, { id: 'ReportSettings' });
  requests.add(blockSchema, { id: 'BlockRequest' });
  requests.add(emailAddressSchema, { id: 'EmailAddressRequest' });
  requests.add(emailNotifySchema, { id: 'EmailNotifyRequest' });
  requests.add(eraseSchema, { id: 'EraseRequest' });
  requests.add(updateSiteSettingsSchema, { id: 'UpdateSiteSettingsRequest' });
  requests.add(roleSchema, { id: 'RoleRequest' });
  requests.add(guestSchema, { id: 'GuestRequest' });
  // the document describes what a production server takes: https only
  requests.add(hookRequestSchema(false), { id: 'PrePublishHookRequest' });
  requests.add(endpointRequestSchema(false), { id: 'WebhookEndpointRequest' });
  requests.add(endpointRequestSchema(false).partial(), { id: 'WebhookEndpointChange' });
  requests.add(consoleLoginSchema, { id: 'ConsoleLoginRequest' });
  requests.add(acceptInviteSchema, { id: 'AcceptInviteRequest' });
  requests.add(createSiteSchema, { id: 'CreateSiteRequest' });
  requests.add(updateConsoleSiteSchema, { id: 'UpdateConsoleSiteRequest' });
  requests.add(consoleInviteSchema, { id: 'ConsoleInviteRequest' });
  requests.add(linkChatUserSchema, { id: 'LinkChatUserRequest' });
  requests.add(consoleSignupSchema, { id: 'ConsoleSignupRequest' });
  requests.add(consoleResetSchema, { id: 'ConsoleResetRequest' });
  requests.add(rotateSecretSchema, { id: 'RotateSecretRequest' });

  const responses = z.registry<{ id: string }>();
  responses.add(userSchema, { id: 'User' });
  responses.add(sessionResponseSchema, { id: 'SessionResponse' });
  responses.add(meResponseSchema, { id: 'MeResponse' });
  responses.add(sessionCheckResponseSchema, { id: 'SessionCheckResponse' });
  responses.add(errorResponseSchema, { id: 'ErrorResponse' });
  responses.add(healthResponseSchema, { id: 'HealthResponse' });
  responses.add(roomInfoSchema, { id: 'RoomInfo' });
  responses.add(roomsResponseSchema, { id: 'RoomsResponse' });
  responses.add(roomResponseSchema, { id: 'RoomResponse' });
  responses.add(muteResponseSchema, { id: 'MuteResponse' });
  responses.add(moderationActionSchema, { id: 'ModerationAction' });
  responses.add(moderationLogResponseSchema, { id: 'ModerationLogResponse' });
  responses.add(wordFilterResponseSchema, { id: 'WordFilterResponse' });
  responses.add(messageSchema, { id: 'Message' });
  responses.add(blocksResponseSchema, { id: 'BlocksResponse' });
  responses.add(emailSettingsResponseSchema, { id: 'EmailSettingsResponse' });
  responses.add(dataExportSchema, { id: 'DataExport' });
  responses.add(reportsResponseSchema, { id: 'ReportsResponse' });
  responses.add(resolveReportResponseSchema, { id: 'ResolveReportResponse' });
  responses.add(reportSettingsResponseSchema, { id: 'ReportSettingsResponse' });
  responses.add(siteSettingsResponseSchema, { id: 'SiteSettingsResponse' });
  responses.add(siteInfoResponseSchema, { id: 'SiteInfoResponse' });
  responses.add(challengeResponseSchema, { id: 'ChallengeResponse' });
  responses.add(prePublishHookResponseSchema, { id: 'PrePublishHookResponse' });
  responses.add(consoleAccountResponseSchema, { id: 'ConsoleAccountResponse' });
  responses.add(consoleAboutResponseSchema, { id: 'ConsoleAboutResponse' });
  responses.add(siteActivityResponseSchema, { id: 'SiteActivityResponse' });
  responses.add(consoleResetResponseSchema, { id: 'ConsoleResetResponse' });
  responses.add(consoleInviteResponseSchema, { id: 'ConsoleInviteResponse' });
  responses.add(consoleSiteResponseSchema, { id: 'ConsoleSiteResponse' });
  responses.add(consoleTeamResponseSchema, { id: 'ConsoleTeamResponse' });
  responses.add(consoleInviteLinkResponseSchema, { id: 'ConsoleInviteLinkResponse' });
  responses.add(staffResponseSchema, { id: 'StaffResponse' });
  responses.add(roleResponseSchema, { id: 'RoleResponse' });
  responses.add(siteUsersResponseSchema, { id: 'SiteUsersResponse' });
  responses.add(siteUserResponseSchema, { id: 'SiteUserResponse' });
  responses.add(consoleSecretResponseSchema, { id: 'ConsoleSecretResponse' });
  responses.add(transcriptResponseSchema, { id: 'TranscriptResponse' });
  responses.add(uploadResponseSchema, { id: 'UploadResponse' });
  responses.add(webhookEndpointResponseSchema, { id: 'WebhookEndpointResponse' });
  responses.add(webhookEndpointsResponseSchema, { id: 'WebhookEndpointsResponse' });
  responses.add(webhookDeliveriesResponseSchema, { id: 'WebhookDeliveriesResponse' });
  responses.add(webhookDeliveryResponseSchema, { id: 'WebhookDeliveryResponse' });

  const uri = (id: string) => schemaRef(id).$ref;
  const generated = {
    ...z.toJSONSchema(requests, { io: 'input', target: 'draft-2020-12', uri }).schemas,
    ...z.toJSONSchema(responses, { io: 'output', target: 'draft-2020-12', uri }).schemas,
  };
  // the document names the dialect once; a fragment-only $id is not allowed inside a 2020-12 schema
  return Object.fromEntries(Object.entries(generated).map(([name, { $schema: _, $id: __, ...schema }]) => [name, schema]));
}

const siteId = {
  name: 'siteId',
  in: 'path',
  required: true,
  description: 'The site the account belongs to; accounts and sessions of one site mean nothing on another.',
  schema: { type: 'string', pattern: SITE_ID_PATTERN },
  example: 'demo',
};

const pathId = (name: string, description: string, schema: JsonSchema, example: string) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema,
  example,
});
const roomId = pathId('roomId', 'A room of the site.', { type: 'string', pattern: ID_PATTERN.source }, 'general');
const userId = pathId('userId', 'A user of the site (`User.id`).', { type: 'string', pattern: OBJECT_ID_PATTERN.source }, '0123456789abcdef01234567');

const uploadId = pathId('uploadId', 'An uploaded image (`Attachment.id`).', { type: 'string', pattern: OBJECT_ID_PATTERN.source }, '0123456789abcdef01234567');
const webhookId = pathId('webhookId', 'A webhook endpoint (`WebhookEndpoint.id`).', { type: 'string', pattern: OBJECT_ID_PATTERN.source }, '0123456789abcdef01234567');
const deliveryId = pathId('deliveryId', 'A delivery (`WebhookDelivery.id`, also sent as `Parley-Delivery`).', { type: 'string' }, '0123456789abcdef01234567:0000000001');
const imageResponse = (description: string, types = ['image/png', 'image/jpeg', 'image/webp', 'image/gif']) => ({
  description,
  content: Object.fromEntries(types.map((type) => [type, { schema: { type: 'string', format: 'binary' } }])),
});

const signedIn = [{ bearer: [] }, { cookie: [] }];
/** Staff routes: chat moderators and admins, or a console account with a role on the site (from the console's pages). */
const staff = [...signedIn, { console: [] }];
const inviteToken = pathId('token', "An invite link's token.", { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$' }, 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
const resetToken = pathId('token', "A password-reset link's token.", { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$' }, 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
const consoleSiteId = pathId('consoleSiteId', 'A site the console account works on.', { type: 'string', pattern: ID_PATTERN.source }, 'acme');
const accountId = pathId('accountId', 'A console account (`ConsoleAccount.id`).', { type: 'string', pattern: OBJECT_ID_PATTERN.source }, '0123456789abcdef01234567');
const consoleForeign = { description: "A change that does not come from the server's own pages.", content: json('ErrorResponse') };

/** The answers every signed-in operation may give besides its own. */
const signedInErrors = {
  '401': responseRef('Unauthorized'),
  '403': responseRef('Forbidden'),
  '404': responseRef('NotFound'),
};
/** …and those of an admin operation. */
const adminErrors = { ...signedInErrors, '403': responseRef('AdminOnly') };

/** The pages the links in emails open: a GET that asks, a POST that does it (also RFC 8058's one-click unsubscribe). */
function emailLinkPages() {
  const token = { name: 'token', in: 'query', required: true, description: 'The signed token of the link in the email (a JWT).', schema: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$', maxLength: 1000 } };
  const html = (description: string) => ({ description, content: { 'text/html': { schema: { type: 'string' } } } });
  const page = (use: 'verify' | 'unsubscribe', what: string, done: string) => ({
    parameters: [token],
    get: {
      operationId: `${use}EmailPage`,
      summary: `The page a link to ${what} opens: it asks, with a button (opening it changes nothing)`,
      tags: ['email'],
      security: [],
      responses: { '200': html('The page with the button.'), '400': html('The link is not valid (forged, expired, used).') },
    },
    post: {
      operationId: `${use}Email`,
      summary: done,
      tags: ['email'],
      security: [],
      ...(use === 'unsubscribe'
        ? { requestBody: { required: false, content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', properties: { 'List-Unsubscribe': { const: 'One-Click' } } } } } } }
        : {}),
      responses: { '200': html('Done: the page says so.'), '400': html('The link is not valid (forged, expired, used).') },
    },
  });
  return {
    '/email/verify': page('verify', 'confirm an address', 'Confirm the address the link was sent to'),
    '/email/unsubscribe': page('unsubscribe', 'turn email digests off', "Turn the user's email digests off (a mail client's one-click unsubscribe posts here)"),
  };
}

/** Builds the OpenAPI 3.1 description of the HTTP API from the schemas the handlers and the protocol use. */
export function buildOpenApiDocument(): OpenApiDocument {
  const sessionCreated = (description: string) => ({
    description,
    headers: {
      'Set-Cookie': {
        description:
          `\`${SESSION_COOKIE}\` (signed, HttpOnly, SameSite=Lax) unless the request carried a bearer token; for a page of the ` +
          `server's own origin also the widget cookie, and then no \`token\` in the body.`,
        schema: { type: 'string' },
      },
    },
    content: json('SessionResponse'),
  });

  return {
    openapi: '3.1.0',
    info: {
      title: 'Parley HTTP API',
      version: '0.1.0',
      description:
        'Accounts, sessions, rooms and moderation of a Parley site. Chat itself runs over Socket.IO (see sdk/protocol.ts). ' +
        'Every error has the body `{ "error": { "code", "message", "field"? } }`.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths: {
      '/api/sites/{siteId}/challenge': {
        parameters: [siteId],
        get: {
          operationId: 'challenge',
          summary: 'A proof-of-work challenge for sign-up',
          description:
            'Registering and guest sign-in need one solved (ALTCHA format: find `number` ≤ `maxnumber` with hex SHA-256 of `salt + number` equal to `challenge`), ' +
            'sent as `proof`; it expires after 10 minutes and buys one sign-up. `challenge: null` when the server asks for none (PROOF_OF_WORK=off). ' +
            'Limited per address (RATE_LIMIT_CHALLENGES_PER_IP).',
          tags: ['accounts'],
          security: [],
          responses: {
            '200': { description: 'A challenge, or null.', content: json('ChallengeResponse') },
            '403': responseRef('Forbidden'),
            '404': responseRef('SiteNotFound'),
            '429': responseRef('RateLimited'),
          },
        },
      },
      '/api/sites/{siteId}/register': {
        parameters: [siteId],
        post: {
          operationId: 'register',
          summary: 'Create an account and sign in',
          description:
            "With `proof` (a solved challenge from GET /challenge) when the server asks for one; a guest's session signing up turns that guest into the member, keeping their user id.",
          tags: ['accounts'],
          security: [],
          requestBody: { required: true, content: json('RegisterRequest') },
          responses: {
            '201': sessionCreated('The account exists and this session is signed in to it.'),
            '400': responseRef('InvalidInput'),
            '403': responseRef('Forbidden'),
            '404': responseRef('SiteNotFound'),
            '409': { description: 'The username or the display name is taken; `field` says which.', content: json('ErrorResponse') },
            '429': responseRef('RateLimited'),
          },
        },
      },
      '/api/sites/{siteId}/login': {
        parameters: [siteId],
        post: {
          operationId: 'login',
          summary: 'Sign in with a username and password',
          tags: ['accounts'],
          security: [],
          requestBody: { required: true, content: json('LoginRequest') },
          responses: {
            '200': sessionCreated('Signed in, with a new session id.'),
            '400': responseRef('InvalidInput'),
            '401': { description: 'Wrong username or password (the same answer for both).', content: json('ErrorResponse') },
            '403': responseRef('Forbidden'),
            '404': responseRef('SiteNotFound'),
            '429': responseRef('RateLimited'),
          },
        },
      },
      '/api/sites/{siteId}/identify': {
        parameters: [siteId],
        post: {
          operationId: 'identify',
          summary: "Sign in a user the site already knows, vouched for by the site's server",
          description:
            "Either `{ token }` (recommended): a JWT signed with HS256 under the site's identity secret, with `sub` (the user's id), " +
            '`name`, optional `email` and `exp` at most 24 h after `iat` (or after now); the user is created, or renamed to `name`. ' +
            "Or the legacy `{ userId, displayName, hash }`: `hash` is HMAC-SHA256(the site's identity secret, userId) in hex; it " +
            'never expires and does not cover the name, so it creates the user but never renames one.',
          tags: ['accounts'],
          security: [],
          requestBody: { required: true, content: json('IdentifyRequest') },
          responses: {
            '200': sessionCreated('Signed in, with a new session id.'),
            '400': responseRef('InvalidInput'),
            '401': {
              description: 'The token is expired, lives longer than 24 h, has no `exp`, is not HS256 or is not signed with the identity secret; or the hash does not match the user id.',
              content: json('ErrorResponse'),
            },
            '403': responseRef('Forbidden'),
            '404': responseRef('SiteNotFound'),
            '429': responseRef('RateLimited'),
          },
        },
      },
      '/api/sites/{siteId}/logout': {
        parameters: [siteId],
        post: {
          operationId: 'logout',
          summary: 'End the session, if there is one, and close its sockets',
          tags: ['accounts'],
          // signing out without a session is not an error
          security: [...signedIn, {}],
          responses: {
            '204': { description: 'There is no session any more.' },
            '403': responseRef('Forbidden'),
            '404': responseRef('SiteNotFound'),
          },
        },
      },
      '/api/sites/{siteId}/me': {
        parameters: [siteId],
        get: {
          operationId: 'me',
          summary: 'The signed-in user',
          tags: ['accounts'],
          security: signedIn,
          responses: {
            '200': { description: 'The user of this session.', content: json('MeResponse') },
            '401': { description: 'No session, or a session of another site.', content: json('ErrorResponse') },
            '403': responseRef('Forbidden'),
            '404': responseRef('SiteNotFound'),
          },
        },
      },
      '/api/sites/{siteId}/session': {
        parameters: [siteId],
        get: {
          operationId: 'checkSession',
          summary: 'Who is signed in, if anyone',
          description:
            'Like `/me`, but a visitor without a session is an answer, not an error: browsers log every 4xx in the ' +
            "console, and a page that cannot see its httpOnly cookie must ask. Creates no session.",
          tags: ['accounts'],
          // asking without a session is the point
          security: [...signedIn, {}],
          responses: {
            '200': { description: 'The user of this session, or `null` without a session of this site.', content: json('SessionCheckResponse') },
            '403': responseRef('Forbidden'),
            '404': responseRef('SiteNotFound'),
          },
        },
      },
      '/api/sites/{siteId}/rooms': {
        parameters: [siteId],
        get: {
          operationId: 'listRooms',
          summary: "The site's rooms: every one (archived ones too) for members; those they may read for guests and visitors",
          tags: ['rooms'],
          // a visitor without an account lists the rooms open to them
          security: [...signedIn, {}],
          responses: { '200': { description: 'The rooms, by id.', content: json('RoomsResponse') }, '403': responseRef('Forbidden'), '404': responseRef('SiteNotFound') },
        },
        post: {
          operationId: 'createRoom',
          summary: 'Create a room (admins)',
          tags: ['rooms'],
          security: staff,
          requestBody: { required: true, content: json('CreateRoomRequest') },
          responses: {
            '201': { description: 'The room exists.', content: json('RoomResponse') },
            '400': responseRef('InvalidInput'),
            ...adminErrors,
            '409': { description: 'A room with this id exists.', content: json('ErrorResponse') },
          },
        },
      },
      '/api/sites/{siteId}/rooms/{roomId}': {
        parameters: [siteId, roomId],
        patch: {
          operationId: 'updateRoom',
          summary: 'Rename, archive or unarchive a room (admins)',
          description: 'Members in the room get a `room:updated` event. An archived room can be joined and read but takes no messages; `general` cannot be archived.',
          tags: ['rooms'],
          security: staff,
          requestBody: { required: true, content: json('UpdateRoomRequest') },
          responses: {
            '200': { description: 'The room as it is now.', content: json('RoomResponse') },
            '400': responseRef('InvalidInput'),
            ...adminErrors,
          },
        },
      },
      '/api/sites/{siteId}/rooms/{roomId}/mutes': {
        parameters: [siteId, roomId],
        post: {
          operationId: 'muteUser',
          summary: 'Stop a user sending in a room for a while (admins)',
          tags: ['moderation'],
          security: staff,
          requestBody: { required: true, content: json('MuteRequest') },
          responses: {
            '201': { description: 'Muted until `until`; their sends get `forbidden` with `retryAfterMs`.', content: json('MuteResponse') },
            '400': responseRef('InvalidInput'),
            ...adminErrors,
          },
        },
      },
      '/api/sites/{siteId}/rooms/{roomId}/mutes/{userId}': {
        parameters: [siteId, roomId, userId],
        delete: {
          operationId: 'unmuteUser',
          summary: 'Lift a mute (admins)',
          tags: ['moderation'],
          security: staff,
          responses: { '204': { description: 'The user may send in the room again.' }, ...adminErrors },
        },
      },
      '/api/sites/{siteId}/users/{userId}/ban': {
        parameters: [siteId, userId],
        post: {
          operationId: 'banUser',
          summary: 'Ban a user from the site (admins)',
          description: 'Their sessions end and their sockets close at once; they cannot sign in, register the same username or be identified again until unbanned.',
          tags: ['moderation'],
          security: staff,
          requestBody: { required: false, content: json('BanRequest') },
          responses: { '204': { description: 'Banned.' }, '400': responseRef('InvalidInput'), ...adminErrors },
        },
        delete: {
          operationId: 'unbanUser',
          summary: 'Lift a ban (admins)',
          tags: ['moderation'],
          security: staff,
          responses: { '204': { description: 'The user may sign in again.' }, ...adminErrors },
        },
      },
      '/api/sites/{siteId}/word-filter': {
        parameters: [siteId],
        get: {
          operationId: 'getWordFilter',
          summary: "The site's word filter (admins)",
          tags: ['moderation'],
          security: staff,
          responses: { '200': { description: 'The list and its action; an empty list when none was set.', content: json('WordFilterResponse') }, ...adminErrors },
        },
        put: {
          operationId: 'setWordFilter',
          summary: "Replace the site's word filter (admins)",
          description:
            'Words, phrases, or words with `*` at the start and/or end (to match inside longer words); matched whatever the case, diacritics, ' +
            'letter/digit substitutions, repeated letters or separators between letters. Messages and edits that contain one are refused ' +
            '(`invalid_input` on `text`), stored with it masked, or held (stored hidden, in the reports queue), from the next message on this ' +
            'node and within 5 s on the others.',
          tags: ['moderation'],
          security: staff,
          requestBody: { required: true, content: json('WordFilterSettings') },
          responses: {
            '200': { description: 'The list as stored (duplicates dropped).', content: json('WordFilterResponse') },
            '400': responseRef('InvalidInput'),
            ...adminErrors,
          },
        },
      },
      '/api/sites/{siteId}/reports': {
        parameters: [siteId],
        get: {
          operationId: 'reports',
          summary: 'Messages with open reports, the most recently reported first (admins)',
          description: 'Each with its text in full, hidden or not, and its reports (reporter, reason, details), newest first. Members file reports over Socket.IO (`message:report`).',
          tags: ['moderation'],
          security: staff,
          responses: { '200': { description: 'The queue.', content: json('ReportsResponse') }, ...adminErrors },
        },
      },
      '/api/sites/{siteId}/reports/resolve': {
        parameters: [siteId],
        post: {
          operationId: 'resolveReport',
          summary: "Close a message's open reports (admins)",
          description:
            '`dismiss` keeps the message (shown again if reports had hidden it); `delete` deletes it; `mute` (with `durationMs`) mutes its author in the room ' +
            'and `ban` bans them from the site, and both delete the message too. Every step is in the moderation log.',
          tags: ['moderation'],
          security: staff,
          requestBody: { required: true, content: json('ResolveReportRequest') },
          responses: {
            '200': { description: 'How many reports were closed, and the message as it is now.', content: json('ResolveReportResponse') },
            '400': responseRef('InvalidInput'),
            ...adminErrors,
          },
        },
      },
      '/api/sites/{siteId}/report-settings': {
        parameters: [siteId],
        get: {
          operationId: 'getReportSettings',
          summary: 'How many reports hide a message (admins)',
          tags: ['moderation'],
          security: staff,
          responses: { '200': { description: 'The settings; `hideAfter` is 3 unless set.', content: json('ReportSettingsResponse') }, ...adminErrors },
        },
        put: {
          operationId: 'setReportSettings',
          summary: 'Set how many reports hide a message (admins)',
          description: 'Reports of one message by `hideAfter` distinct users hide it from the room pending review; 0 never hides.',
          tags: ['moderation'],
          security: staff,
          requestBody: { required: true, content: json('ReportSettings') },
          responses: {
            '200': { description: 'The settings as stored.', content: json('ReportSettingsResponse') },
            '400': responseRef('InvalidInput'),
            ...adminErrors,
          },
        },
      },
      '/api/sites/{siteId}/info': {
        parameters: [siteId],
        get: {
          operationId: 'siteInfo',
          summary: 'What a visitor may do before signing in',
          description: 'Whether some room can be read without an account, and whether guest sign-in is open. Creates no session.',
          tags: ['accounts'],
          security: [...signedIn, {}],
          responses: { '200': { description: "The site's name and access.", content: json('SiteInfoResponse') }, '403': responseRef('Forbidden'), '404': responseRef('SiteNotFound') },
        },
      },
      '/api/sites/{siteId}/guest': {
        parameters: [siteId],
        post: {
          operationId: 'guest',
          summary: 'Sign in as a guest under a display name',
          description:
            "Where some room takes guests (`SiteInfoResponse.site.guests`). The name is unique among the site's members and guests; a guest " +
            'unused for 30 days is deleted. Sign-up limits apply; a banned guest\'s network is refused (`reason: banned`) for the site\'s `guestBanHours`.',
          tags: ['accounts'],
          security: [],
          requestBody: { required: true, content: json('GuestRequest') },
          responses: {
            '201': sessionCreated('A guest session.'),
            '400': responseRef('InvalidInput'),
            '403': responseRef('Forbidden'),
            '404': responseRef('SiteNotFound'),
            '409': { description: 'The display name is taken.', content: json('ErrorResponse') },
            '429': responseRef('RateLimited'),
          },
        },
      },
      '/api/sites/{siteId}/settings': {
        parameters: [siteId],
        get: {
          operationId: 'siteSettings',
          summary: "The site's access, posting rights and guest bans (admins)",
          tags: ['moderation'],
          security: staff,
          responses: { '200': { description: 'The settings, defaults filled in.', content: json('SiteSettingsResponse') }, ...adminErrors },
        },
        patch: {
          operationId: 'updateSiteSettings',
          summary: "Change the site's settings (admins)",
          description: 'Applies from the next message on this node, within 5 s on the others. Logged (`site.settings`).',
          tags: ['moderation'],
          security: staff,
          requestBody: { required: true, content: json('UpdateSiteSettingsRequest') },
          responses: { '200': { description: 'The settings as stored.', content: json('SiteSettingsResponse') }, '400': responseRef('InvalidInput'), ...adminErrors },
        },
      },
      '/api/sites/{siteId}/pre-publish': {
        parameters: [siteId],
        get: {
          operationId: 'prePublishHook',
          summary: "The site's pre-publish hook, without its secret (admins)",
          tags: ['moderation'],
          security: staff,
          responses: { '200': { description: 'The hook, or null.', content: json('PrePublishHookResponse') }, ...adminErrors },
        },
        put: {
          operationId: 'setPrePublishHook',
          summary: "Set the site's pre-publish hook (admins)",
          description:
            'Parley POSTs each new or edited message (`PrePublishCall`, signed: `Parley-Signature: t=<seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`) ' +
            'and stores it as the answer says: allow, deny (with a reason shown to the sender) or replace its text. No valid answer within `timeoutMs`: stored as sent ' +
            'when `failOpen`, else refused (`unavailable`, reason `hook`). https only, to public addresses (HOOKS_ALLOW_PRIVATE=true allows http and private networks). ' +
            'The secret is in the answer when created or rotated (`rotateSecret`). Logged (`site.pre-publish`).',
          tags: ['moderation'],
          security: staff,
          requestBody: { required: true, content: json('PrePublishHookRequest') },
          responses: { '200': { description: 'The hook as stored.', content: json('PrePublishHookResponse') }, '400': responseRef('InvalidInput'), ...adminErrors },
        },
        delete: {
          operationId: 'removePrePublishHook',
          summary: "Remove the site's pre-publish hook (admins)",
          tags: ['moderation'],
          security: staff,
          responses: { '204': { description: 'Removed.' }, '400': responseRef('InvalidInput'), ...adminErrors },
        },
      },
      '/api/sites/{siteId}/webhooks': {
        parameters: [siteId],
        get: {
          operationId: 'webhooks',
          summary: "The site's webhook endpoints, with their signing secrets (admins)",
          tags: ['webhooks'],
          security: staff,
          responses: { '200': { description: 'Oldest first.', content: json('WebhookEndpointsResponse') }, ...adminErrors },
        },
        post: {
          operationId: 'addWebhook',
          summary: 'Add a webhook endpoint (admins; at most 10 a site)',
          description:
            'Each event it listens to (`WebhookEvent`) is queued in the database before the action that made it is answered, then POSTed as JSON, signed: ' +
            '`Parley-Signature: t=<seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` under the endpoint\'s secret, with `Parley-Event`, `Parley-Delivery` ' +
            '(the same on every attempt: deduplicate by it) and `Parley-Attempt`. Any 2xx answer within WEBHOOK_TIMEOUT_MS delivers it; otherwise it is retried, ' +
            'each wait twice the last (from WEBHOOK_RETRY_FIRST_MS, at most an hour), for WEBHOOK_RETRY_WINDOW_S (a day); an endpoint that fails that long is ' +
            'disabled, the reason kept. At most WEBHOOK_MAX_IN_FLIGHT requests to one endpoint at once. https only, to public addresses ' +
            '(HOOKS_ALLOW_PRIVATE=true allows http and private networks). Logged (`site.webhook`).',
          tags: ['webhooks'],
          security: staff,
          requestBody: { required: true, content: json('WebhookEndpointRequest') },
          responses: { '201': { description: 'Added, with its secret.', content: json('WebhookEndpointResponse') }, '400': responseRef('InvalidInput'), '409': { description: 'The site has 10 endpoints already.', content: json('ErrorResponse') }, ...adminErrors },
        },
      },
      '/api/sites/{siteId}/webhooks/{webhookId}': {
        parameters: [siteId, webhookId],
        get: {
          operationId: 'webhook',
          summary: 'A webhook endpoint (admins)',
          tags: ['webhooks'],
          security: staff,
          responses: { '200': { description: 'The endpoint.', content: json('WebhookEndpointResponse') }, ...adminErrors },
        },
        patch: {
          operationId: 'updateWebhook',
          summary: 'Change a webhook endpoint (admins)',
          description: '`enabled: true` also clears a disable; `rotateSecret: true` makes a new secret (the old one stops at once). Logged (`site.webhook`).',
          tags: ['webhooks'],
          security: staff,
          requestBody: { required: true, content: json('WebhookEndpointChange') },
          responses: { '200': { description: 'The endpoint as stored.', content: json('WebhookEndpointResponse') }, '400': responseRef('InvalidInput'), ...adminErrors },
        },
        delete: {
          operationId: 'removeWebhook',
          summary: 'Remove a webhook endpoint and what it had still to send (admins)',
          tags: ['webhooks'],
          security: staff,
          responses: { '204': { description: 'Removed.' }, ...adminErrors },
        },
      },
      '/api/sites/{siteId}/webhooks/{webhookId}/deliveries': {
        parameters: [siteId, webhookId],
        get: {
          operationId: 'webhookDeliveries',
          summary: "An endpoint's deliveries, newest first, with every attempt (admins)",
          tags: ['webhooks'],
          security: staff,
          parameters: [
            { name: 'before', in: 'query', description: 'The previous page\'s `next`.', schema: { type: 'integer', minimum: 1 } },
            { name: 'limit', in: 'query', description: '1–50, default 20.', schema: { type: 'integer', minimum: 1, maximum: 50 } },
          ],
          responses: { '200': { description: 'A page of the log.', content: json('WebhookDeliveriesResponse') }, '400': responseRef('InvalidInput'), ...adminErrors },
        },
      },
      '/api/sites/{siteId}/webhooks/{webhookId}/deliveries/{deliveryId}/resend': {
        parameters: [siteId, webhookId, deliveryId],
        post: {
          operationId: 'resendWebhookDelivery',
          summary: 'Send a delivery again now, whatever its state (admins)',
          description: 'Same body and delivery id, a new attempt id; retried as a new delivery would be.',
          tags: ['webhooks'],
          security: staff,
          responses: { '202': { description: 'Queued.', content: json('WebhookDeliveryResponse') }, ...adminErrors },
        },
      },
      '/api/sites/{siteId}/activity': {
        parameters: [siteId],
        get: {
          operationId: 'siteActivity',
          summary: 'Who is online now, and messages and active users per day for the last 30 days (moderators)',
          description:
            'For the console\'s Overview. Each node counts the messages it stores and adds them to the database every few seconds, so another node\'s ' +
            'latest messages appear within that time; `online` is read from every node.',
          tags: ['moderation'],
          security: staff,
          responses: { '200': { description: 'The activity.', content: json('SiteActivityResponse') }, ...adminErrors },
        },
      },
      '/api/sites/{siteId}/rooms/{roomId}/transcript': {
        parameters: [siteId, roomId],
        get: {
          operationId: 'roomTranscript',
          summary: "One page of a room's messages of one UTC day, oldest first (moderators)",
          description:
            'Deleted messages as tombstones (no text, `deletedAt`), hidden ones with their text. Pass `next` as `after` for the next page. ' +
            "The day's first message is found by a binary search over seqs, each page read by the messages' keys.",
          tags: ['moderation'],
          security: staff,
          parameters: [
            { name: 'day', in: 'query', required: true, description: 'The UTC day, YYYY-MM-DD.', schema: { type: 'string', format: 'date' }, example: '2026-12-01' },
            { name: 'after', in: 'query', required: false, description: 'Only messages after this seq (the `next` of the previous page); default 0.', schema: { type: 'integer', minimum: 0 } },
            { name: 'limit', in: 'query', required: false, description: '1–200, default 100.', schema: { type: 'integer', minimum: 1, maximum: 200 } },
          ],
          responses: { '200': { description: 'The page.', content: json('TranscriptResponse') }, '400': responseRef('InvalidInput'), ...adminErrors },
        },
      },
      '/api/sites/{siteId}/rooms/{roomId}/export': {
        parameters: [siteId, roomId],
        get: {
          operationId: 'exportTranscript',
          summary: "A room's messages of a range of UTC days as a JSON or CSV download (moderators)",
          description:
            `At most ${MAX_EXPORT_DAYS} days. Streamed page by page (chunked), named \`<site>-<room>-<from>-<to>.<json|csv>\`. ` +
            'CSV: a header row (seq, time, author id, author name, text, edited, deleted), RFC 4180 quoting, and cells that start with = + - @, a tab ' +
            "or a carriage return prefixed with `'` so spreadsheets do not run them. Logged (`transcript.export`).",
          tags: ['moderation'],
          security: staff,
          parameters: [
            { name: 'from', in: 'query', required: true, description: 'The first UTC day, YYYY-MM-DD.', schema: { type: 'string', format: 'date' }, example: '2026-12-01' },
            { name: 'to', in: 'query', required: true, description: 'The last UTC day, YYYY-MM-DD: `from` or later.', schema: { type: 'string', format: 'date' }, example: '2026-12-02' },
            { name: 'format', in: 'query', required: true, description: 'The download\'s format.', schema: { type: 'string', enum: ['json', 'csv'] } },
          ],
          responses: {
            '200': {
              description: 'The download (Content-Disposition: attachment).',
              content: { 'application/json': { schema: { type: 'array', items: schemaRef('Message') } }, 'text/csv': { schema: { type: 'string' } } },
            },
            '400': responseRef('InvalidInput'),
            ...adminErrors,
          },
        },
      },
      '/api/sites/{siteId}/rooms/{roomId}/messages/{seq}': {
        parameters: [siteId, roomId, pathId('seq', "The message's place in the room (`Message.seq`).", { type: 'integer', minimum: 1 }, '1')],
        delete: {
          operationId: 'deleteMessage',
          summary: 'Delete any message of the room (moderators)',
          description: "As a moderator's delete over the socket: a tombstone, told to the room's sockets on every node (`message:updated`), logged (`message.delete`).",
          tags: ['moderation'],
          security: staff,
          responses: { '204': { description: 'Deleted (or was already).' }, ...adminErrors },
        },
      },
      '/api/console/sites/{consoleSiteId}/secret': {
        parameters: [consoleSiteId],
        get: {
          operationId: 'consoleSiteSecret',
          summary: "The site's identity secret, which signs identity tokens and hashes (owners)",
          description: 'For the site\'s own server only (docs/embedding.md, "Sign your own users in"). Each read is logged (`site.secret.view`).',
          tags: ['console'],
          security: [{ console: [] }],
          responses: {
            '200': { description: 'The secret.', content: json('ConsoleSecretResponse') },
            '401': responseRef('Unauthorized'),
            '403': { description: 'An admin or a moderator: only owners see the secret.', content: json('ErrorResponse') },
            '404': responseRef('NotFound'),
          },
        },
        post: {
          operationId: 'rotateConsoleSiteSecret',
          summary: "Replace the site's identity secret with a new random one (owners)",
          description:
            'Identity tokens and hashes signed with the old secret are refused from the next identify, on every node (each identify reads the site ' +
            "from the database), until the site's server signs with the new one; users already signed in keep their sessions. Logged (`site.secret.rotate`).",
          tags: ['console'],
          security: [{ console: [] }],
          requestBody: { required: true, content: json('RotateSecretRequest') },
          responses: {
            '200': { description: 'The new secret.', content: json('ConsoleSecretResponse') },
            '400': { description: "`confirm` is not the site's id, or the body is not valid.", content: json('ErrorResponse') },
            '401': responseRef('Unauthorized'),
            '403': { description: 'An admin or a moderator, or not from our own pages.', content: json('ErrorResponse') },
            '404': responseRef('NotFound'),
          },
        },
      },
      '/api/sites/{siteId}/users': {
        parameters: [siteId],
        get: {
          operationId: 'searchUsers',
          summary: "Find the site's users by name (moderators)",
          description:
            'Display names and usernames holding `q`, whatever the case and accents; those starting with it first, then the newest. ' +
            "Without `q`, the newest users. Reads every user of the site: the console's search, not a hot path.",
          tags: ['moderation'],
          security: staff,
          parameters: [
            { name: 'q', in: 'query', required: false, description: 'Part of a display name or username, up to 100 characters (no control characters); empty: the newest users.', schema: { type: 'string', maxLength: PEOPLE_QUERY_LENGTH } },
            { name: 'limit', in: 'query', required: false, description: '1–50, default 20.', schema: { type: 'integer', minimum: 1, maximum: 50 } },
          ],
          responses: { '200': { description: 'The users found, best match first.', content: json('SiteUsersResponse') }, '400': responseRef('InvalidInput'), ...adminErrors },
        },
      },
      '/api/sites/{siteId}/users/{userId}': {
        parameters: [siteId, userId],
        get: {
          operationId: 'siteUser',
          summary: 'A user, their mutes and their recent messages (moderators)',
          description:
            'Mutes: the rooms where they are muted now. Recent messages: their messages among the latest 1,000 of each room (deleted ones left out), ' +
            'newest first, up to 50; hidden ones with their text. Ban, unban, mute and role changes are the moderation routes (all logged).',
          tags: ['moderation'],
          security: staff,
          responses: { '200': { description: 'The user.', content: json('SiteUserResponse') }, ...adminErrors },
        },
      },
      '/api/console/login': {
        post: {
          operationId: 'consoleLogin',
          summary: 'Sign in to the console (site owners, admins and moderators: console accounts, not chat users)',
          tags: ['console'],
          security: [],
          requestBody: { required: true, content: json('ConsoleLoginRequest') },
          responses: {
            '200': { description: 'Signed in: the account and its sites; sets the console cookie.', content: json('ConsoleAccountResponse') },
            '400': responseRef('InvalidInput'),
            '401': responseRef('Unauthorized'),
            '403': consoleForeign,
            '429': responseRef('RateLimited'),
          },
        },
      },
      '/api/console/about': {
        get: {
          operationId: 'consoleAbout',
          summary: 'How console accounts are made on this server (CONSOLE_SIGNUP)',
          tags: ['console'],
          security: [],
          responses: { '200': { description: 'Open sign-up or invites only.', content: json('ConsoleAboutResponse') } },
        },
      },
      '/api/console/challenge': {
        get: {
          operationId: 'consoleChallenge',
          summary: 'A proof-of-work challenge for console sign-up (only when sign-up is open)',
          tags: ['console'],
          security: [],
          responses: {
            '200': { description: 'A challenge, or null when the server asks for none.', content: json('ChallengeResponse') },
            '404': responseRef('NotFound'),
            '429': responseRef('RateLimited'),
          },
        },
      },
      '/api/console/signup': {
        post: {
          operationId: 'consoleSignup',
          summary: 'Create a console account (only when CONSOLE_SIGNUP=open): then up to CONSOLE_SITE_QUOTA sites of its own',
          tags: ['console'],
          security: [],
          requestBody: { required: true, content: json('ConsoleSignupRequest') },
          responses: {
            '201': { description: 'Created and signed in; sets the console cookie.', content: json('ConsoleAccountResponse') },
            '400': responseRef('InvalidInput'),
            '403': { description: 'Sign-up is by invite only, or not from our own pages.', content: json('ErrorResponse') },
            '409': { description: 'An account for this email exists.', content: json('ErrorResponse') },
            '429': responseRef('RateLimited'),
          },
        },
      },
      '/api/console/resets/{token}': {
        parameters: [resetToken],
        get: {
          operationId: 'consoleReset',
          summary: 'The account a password-reset link is for (`npm run site -- reset-password <email>` prints one)',
          tags: ['console'],
          security: [],
          responses: { '200': { description: 'The email and when the link expires.', content: json('ConsoleResetResponse') }, '404': responseRef('NotFound') },
        },
        post: {
          operationId: 'consoleResetPassword',
          summary: "Set the account's password with a reset link: signed in, every other console session of the account ended",
          tags: ['console'],
          security: [],
          requestBody: { required: true, content: json('ConsoleResetRequest') },
          responses: {
            '200': { description: 'Signed in with the new password.', content: json('ConsoleAccountResponse') },
            '400': responseRef('InvalidInput'),
            '403': consoleForeign,
            '404': responseRef('NotFound'),
          },
        },
      },
      '/api/console/logout': {
        post: {
          operationId: 'consoleLogout',
          summary: 'Sign out of the console',
          tags: ['console'],
          security: [{ console: [] }, {}],
          responses: { '204': { description: 'Signed out (also when not signed in).' }, '403': consoleForeign },
        },
      },
      '/api/console/me': {
        get: {
          operationId: 'consoleMe',
          summary: 'The signed-in console account and its sites',
          tags: ['console'],
          security: [{ console: [] }],
          responses: { '200': { description: 'The account.', content: json('ConsoleAccountResponse') }, '401': responseRef('Unauthorized') },
        },
      },
      '/api/console/invites/{token}': {
        parameters: [inviteToken],
        get: {
          operationId: 'consoleInvite',
          summary: 'What an invite link offers',
          tags: ['console'],
          security: [],
          responses: { '200': { description: 'The site, the role and the invited email.', content: json('ConsoleInviteResponse') }, '404': responseRef('NotFound') },
        },
      },
      '/api/console/invites/{token}/accept': {
        parameters: [inviteToken],
        post: {
          operationId: 'acceptConsoleInvite',
          summary: 'Accept an invite: set a password (new account) or give yours, and sign in',
          description: 'One use; expires 7 days after it was made (`npm run site -- owner <site> <email>` prints one).',
          tags: ['console'],
          security: [],
          requestBody: { required: true, content: json('AcceptInviteRequest') },
          responses: {
            '201': { description: 'Signed in, with the role on the site.', content: json('ConsoleAccountResponse') },
            '400': responseRef('InvalidInput'),
            '401': responseRef('Unauthorized'),
            '403': consoleForeign,
            '404': responseRef('NotFound'),
            '409': { description: 'An account for this email was made meanwhile.', content: json('ErrorResponse') },
            '429': responseRef('RateLimited'),
          },
        },
      },
      '/api/console/sites': {
        post: {
          operationId: 'createConsoleSite',
          summary: 'Create a site, owned by the signed-in account',
          tags: ['console'],
          security: [{ console: [] }],
          requestBody: { required: true, content: json('CreateSiteRequest') },
          responses: {
            '201': { description: 'The account with its new site.', content: json('ConsoleAccountResponse') },
            '400': responseRef('InvalidInput'),
            '401': responseRef('Unauthorized'),
            '403': { description: 'Over the quota of owned sites (CONSOLE_SITE_QUOTA), or not from our own pages.', content: json('ErrorResponse') },
            '409': { description: 'A site with this id exists.', content: json('ErrorResponse') },
          },
        },
      },
      '/api/console/sites/{consoleSiteId}': {
        parameters: [consoleSiteId],
        get: {
          operationId: 'consoleSite',
          summary: "A site of the account's: name, allowed origins and the account's role",
          tags: ['console'],
          security: [{ console: [] }],
          responses: { '200': { description: 'The site.', content: json('ConsoleSiteResponse') }, '401': responseRef('Unauthorized'), '404': responseRef('NotFound') },
        },
        patch: {
          operationId: 'updateConsoleSite',
          summary: "Rename a site or replace its allowed origins (owners, admins)",
          description: 'Origins apply from the next request and page load (each is checked against the stored list). Logged (`site.update`).',
          tags: ['console'],
          security: [{ console: [] }],
          requestBody: { required: true, content: json('UpdateConsoleSiteRequest') },
          responses: {
            '200': { description: 'The site as stored.', content: json('ConsoleSiteResponse') },
            '400': responseRef('InvalidInput'),
            '401': responseRef('Unauthorized'),
            '403': { description: 'A moderator, or not from our own pages.', content: json('ErrorResponse') },
            '404': responseRef('NotFound'),
          },
        },
        delete: {
          operationId: 'deleteConsoleSite',
          summary: 'Delete a site and everything in it (owners)',
          tags: ['console'],
          security: [{ console: [] }],
          parameters: [{ name: 'confirm', in: 'query', required: true, description: "The site's id, typed again.", schema: { type: 'string' } }],
          responses: {
            '204': { description: 'Deleted: users, rooms, messages, sessions, invites.' },
            '400': responseRef('InvalidInput'),
            '401': responseRef('Unauthorized'),
            '403': { description: 'Not an owner of the site, or not from our own pages.', content: json('ErrorResponse') },
            '404': responseRef('NotFound'),
          },
        },
      },
      '/api/console/sites/{consoleSiteId}/chat-user': {
        parameters: [consoleSiteId],
        put: {
          operationId: 'linkConsoleChatUser',
          summary: 'Link the console account to its chat user on the site, proven by their username and password',
          description: "From then on the account acts as that chat user in the site's API (the higher of the two ranks), so the moderation log names one person for the widget and the console. Logged (`team.link`).",
          tags: ['console'],
          security: [{ console: [] }],
          requestBody: { required: true, content: json('LinkChatUserRequest') },
          responses: {
            '200': { description: 'The site, with `chatUser`.', content: json('ConsoleSiteResponse') },
            '400': responseRef('InvalidInput'),
            '401': { description: 'Not signed in to the console, or a wrong username or password.', content: json('ErrorResponse') },
            '403': { description: 'A banned user or a guest, or not from our own pages.', content: json('ErrorResponse') },
            '404': responseRef('NotFound'),
            '429': responseRef('RateLimited'),
          },
        },
        delete: {
          operationId: 'unlinkConsoleChatUser',
          summary: 'Unlink the console account from its chat user on the site',
          tags: ['console'],
          security: [{ console: [] }],
          responses: { '204': { description: 'Unlinked (or was not linked).' }, '401': responseRef('Unauthorized'), '403': consoleForeign, '404': responseRef('NotFound') },
        },
      },
      '/api/console/sites/{consoleSiteId}/team': {
        parameters: [consoleSiteId],
        get: {
          operationId: 'consoleTeam',
          summary: "A site's team: the console accounts with a role on it",
          tags: ['console'],
          security: [{ console: [] }],
          responses: { '200': { description: 'By email.', content: json('ConsoleTeamResponse') }, '401': responseRef('Unauthorized'), '404': responseRef('NotFound') },
        },
      },
      '/api/console/sites/{consoleSiteId}/invites': {
        parameters: [consoleSiteId],
        post: {
          operationId: 'consoleInviteToTeam',
          summary: 'Invite someone to the team by link (owners: any role; admins: admins and moderators)',
          tags: ['console'],
          security: [{ console: [] }],
          requestBody: { required: true, content: json('ConsoleInviteRequest') },
          responses: {
            '201': { description: 'A one-time link, shown this once. Logged (`team.invite`).', content: json('ConsoleInviteLinkResponse') },
            '400': responseRef('InvalidInput'),
            '401': responseRef('Unauthorized'),
            '403': { description: 'A moderator, an admin inviting an owner, or not from our own pages.', content: json('ErrorResponse') },
            '404': responseRef('NotFound'),
          },
        },
      },
      '/api/console/sites/{consoleSiteId}/team/{accountId}': {
        parameters: [consoleSiteId, accountId],
        delete: {
          operationId: 'consoleRemoveFromTeam',
          summary: 'Remove someone from the team (owners: anyone but the last owner; admins: anyone but owners)',
          tags: ['console'],
          security: [{ console: [] }],
          responses: {
            '204': { description: 'Removed. Logged (`team.remove`).' },
            '401': responseRef('Unauthorized'),
            '403': { description: 'Not allowed for your role, the last owner, or not from our own pages.', content: json('ErrorResponse') },
            '404': responseRef('NotFound'),
          },
        },
      },
      '/api/sites/{siteId}/staff': {
        parameters: [siteId],
        get: {
          operationId: 'staff',
          summary: "The site's moderators, admins and owner (admins)",
          tags: ['moderation'],
          security: staff,
          responses: { '200': { description: 'By username.', content: json('StaffResponse') }, ...adminErrors },
        },
      },
      '/api/sites/{siteId}/users/{userId}/role': {
        parameters: [siteId, userId],
        put: {
          operationId: 'setRole',
          summary: "Give a user a rank below your own (admins)",
          description: 'Admins make members and moderators; the owner also admins. Nobody changes their own rank, nor that of a user at or above it. Logged (`user.role`).',
          tags: ['moderation'],
          security: staff,
          requestBody: { required: true, content: json('RoleRequest') },
          responses: { '200': { description: 'The user with their rank.', content: json('RoleResponse') }, '400': responseRef('InvalidInput'), ...adminErrors },
        },
      },
      '/api/sites/{siteId}/blocks': {
        parameters: [siteId],
        get: {
          operationId: 'blockedUsers',
          summary: 'The users you blocked, in the order blocked',
          tags: ['rooms'],
          security: signedIn,
          responses: { '200': { description: 'Their ids and display names.', content: json('BlocksResponse') }, ...signedInErrors },
        },
        post: {
          operationId: 'block',
          summary: 'Block a user: the SDK hides their messages and typing from you',
          description: 'Kept on the server (your `User.blocked`), applied by the SDK and the widget; the blocked user is not told. At most 1,000.',
          tags: ['rooms'],
          security: signedIn,
          requestBody: { required: true, content: json('BlockRequest') },
          responses: { '204': { description: 'Blocked (or already).' }, '400': responseRef('InvalidInput'), ...signedInErrors },
        },
      },
      '/api/sites/{siteId}/me/email': {
        parameters: [siteId],
        get: {
          operationId: 'emailSettings',
          summary: 'Your address for email digests, and your switch',
          description:
            'Digests: one email a quiet period after you are mentioned or replied to while no chat of yours is open (EMAIL_DIGEST_QUIET_MS), at most one per ' +
            "EMAIL_DIGEST_GAP_MS. `available` is false when the server has no SMTP_URL or the site turned digests off. An identified user's address comes from the site's token (`fromSite`).",
          tags: ['accounts'],
          security: signedIn,
          responses: { '200': { description: 'Your email settings.', content: json('EmailSettingsResponse') }, ...signedInErrors },
        },
        put: {
          operationId: 'setEmail',
          summary: 'Members: send a confirmation link to an address',
          description:
            'The address becomes yours for digests once its owner follows the link (a page whose button confirms). `page` (on one of the site\'s allowed origins; its query and fragment are dropped) and ' +
            '`locale` are kept with it for the digests\' link back and language. Guests and identified users are refused. Limited per user (RATE_LIMIT_EMAIL_LINKS_PER_USER).',
          tags: ['accounts'],
          security: signedIn,
          requestBody: { required: true, content: json('EmailAddressRequest') },
          responses: {
            '202': { description: 'The link is sent (or the address was already yours).', content: json('EmailSettingsResponse') },
            '400': responseRef('InvalidInput'),
            '429': responseRef('RateLimited'),
            '503': { description: 'The SMTP server did not take the email; try again later.', content: json('ErrorResponse') },
            ...signedInErrors,
          },
        },
        patch: {
          operationId: 'setEmailNotifications',
          summary: 'Turn your email digests on or off',
          tags: ['accounts'],
          security: signedIn,
          requestBody: { required: true, content: json('EmailNotifyRequest') },
          responses: { '200': { description: 'Your email settings.', content: json('EmailSettingsResponse') }, '400': responseRef('InvalidInput'), ...signedInErrors },
        },
        delete: {
          operationId: 'removeEmail',
          summary: 'Members: forget your address (confirmed or pending)',
          tags: ['accounts'],
          security: signedIn,
          responses: { '200': { description: 'Your email settings.', content: json('EmailSettingsResponse') }, ...signedInErrors },
        },
      },
      ...emailLinkPages(),
      '/api/sites/{siteId}/me/export': {
        parameters: [siteId],
        get: {
          operationId: 'exportMyData',
          summary: 'Everything Parley holds about you, as a JSON download',
          description:
            'Your account (with the address and page kept for email), sessions (never their tokens), every message you sent, your reactions, uploads and reports. ' +
            'Reads every message of the site: limited per user (RATE_LIMIT_DATA_REQUESTS_PER_USER).',
          tags: ['accounts'],
          security: signedIn,
          responses: { '200': { description: 'The export (Content-Disposition: attachment).', content: json('DataExport') }, '429': responseRef('RateLimited'), ...signedInErrors },
        },
      },
      '/api/sites/{siteId}/me/erase': {
        parameters: [siteId],
        post: {
          operationId: 'eraseMe',
          summary: 'Delete your account for good',
          description:
            'A member gives their password. Your messages become tombstones without text or name, your reactions go, your images and sessions are deleted, and your username and display name are free again; ' +
            "the moderation log keeps what was done, without your name. The site's owner cannot (hand the site over first).",
          tags: ['accounts'],
          security: signedIn,
          requestBody: { required: false, content: json('EraseRequest') },
          responses: { '204': { description: 'Deleted; the session ended.' }, '400': responseRef('InvalidInput'), '429': responseRef('RateLimited'), ...signedInErrors },
        },
      },
      '/api/sites/{siteId}/users/{userId}/export': {
        parameters: [siteId, userId],
        get: {
          operationId: 'exportUserData',
          summary: 'Admins: everything Parley holds about a user of the site',
          tags: ['moderation'],
          security: staff,
          responses: { '200': { description: 'The export (Content-Disposition: attachment).', content: json('DataExport') }, '429': responseRef('RateLimited'), ...adminErrors },
        },
      },
      '/api/sites/{siteId}/users/{userId}/erase': {
        parameters: [siteId, userId],
        post: {
          operationId: 'eraseUser',
          summary: "Admins: delete a user's account below their rank, as the user could",
          tags: ['moderation'],
          security: staff,
          requestBody: { required: false, content: json('EraseRequest') },
          responses: { '204': { description: 'Deleted; their sockets are closed.' }, '400': responseRef('InvalidInput'), '429': responseRef('RateLimited'), ...adminErrors },
        },
      },
      '/api/sites/{siteId}/uploads': {
        parameters: [siteId],
        post: {
          operationId: 'upload',
          summary: 'Upload an image, to attach to a message (message:send `attachments`) within an hour',
          description:
            "The raw bytes as the body (any Content-Type: the content decides). PNG, JPEG, WebP or GIF, whole, nothing appended, at most the site's " +
            '`uploadMaxMB` and 40 million pixels. Stored re-encoded without metadata (no EXIF), with a WebP thumbnail. Per user a number of ' +
            'uploads and megabytes per window (`RATE_LIMIT_UPLOADS_PER_USER`, `RATE_LIMIT_UPLOAD_MB_PER_USER`).',
          tags: ['rooms'],
          security: signedIn,
          parameters: [{ name: 'name', in: 'query', required: false, description: "The file's name, shown with it (cleaned, at most 100 characters).", schema: { type: 'string' } }],
          requestBody: { required: true, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
          responses: {
            '201': { description: 'Stored; attach it by its id.', content: json('UploadResponse') },
            '400': responseRef('InvalidInput'),
            '429': responseRef('RateLimited'),
            '503': { description: 'Too many images are being processed on this node now; try again.', content: json('ErrorResponse') },
            ...signedInErrors,
          },
        },
      },
      '/api/sites/{siteId}/uploads/{uploadId}': {
        parameters: [siteId, uploadId],
        get: {
          operationId: 'uploadedImage',
          summary: 'An uploaded image, as stored',
          description:
            'To signed-in users who may read the room of its message (before it is sent, its uploader only); anyone else gets 404. ' +
            'Served with `Content-Security-Policy: sandbox`, `nosniff` and `Content-Disposition: inline`; `private` cache, an ETag.',
          tags: ['rooms'],
          security: signedIn,
          responses: { '200': imageResponse('The image.'), '304': { description: 'Not changed (If-None-Match).' }, ...signedInErrors },
        },
      },
      '/api/sites/{siteId}/uploads/{uploadId}/thumbnail': {
        parameters: [siteId, uploadId],
        get: {
          operationId: 'uploadedThumbnail',
          summary: "An uploaded image's thumbnail: WebP, at most 320 px on its longer side (an animation's first frame)",
          tags: ['rooms'],
          security: signedIn,
          responses: { '200': imageResponse('The thumbnail.', ['image/webp']), '304': { description: 'Not changed (If-None-Match).' }, ...signedInErrors },
        },
      },
      '/api/sites/{siteId}/blocks/{userId}': {
        parameters: [siteId, userId],
        delete: {
          operationId: 'unblock',
          summary: 'Unblock a user',
          tags: ['rooms'],
          security: signedIn,
          responses: { '204': { description: 'Not blocked (any more).' }, ...signedInErrors },
        },
      },
      '/api/sites/{siteId}/moderation': {
        parameters: [siteId],
        get: {
          operationId: 'moderationLog',
          summary: 'What moderators and admins did, newest first (moderators)',
          description: 'Optionally only one action, one actor or one target; `before` pages through the filtered entries alike.',
          tags: ['moderation'],
          security: staff,
          parameters: [
            { name: 'before', in: 'query', required: false, description: 'The id of the last entry of the previous page.', schema: { type: 'string', pattern: OBJECT_ID_PATTERN.source } },
            { name: 'limit', in: 'query', required: false, description: '1–100, default 50.', schema: { type: 'integer', minimum: 1, maximum: 100 } },
            { name: 'action', in: 'query', required: false, description: 'Only entries of this action.', schema: { type: 'string', enum: [...moderationActionSchema.shape.action.options] } },
            { name: 'actor', in: 'query', required: false, description: 'Only entries by this actor: a chat user\'s id, or `console:<account id>`.', schema: { type: 'string', pattern: ACTOR_ID_PATTERN.source } },
            { name: 'target', in: 'query', required: false, description: 'Only entries about this user (`User.id`).', schema: { type: 'string', pattern: OBJECT_ID_PATTERN.source } },
          ],
          responses: {
            '200': { description: 'Entries, newest first.', content: json('ModerationLogResponse') },
            '400': responseRef('InvalidInput'),
            ...adminErrors,
          },
        },
      },
      '/healthz': {
        get: {
          operationId: 'health',
          summary: 'The process is up',
          tags: ['operations'],
          responses: { '200': { description: 'Up.', content: json('HealthResponse') } },
        },
      },
      '/readyz': {
        get: {
          operationId: 'ready',
          summary: 'The process can serve requests: its database and, when REDIS_URL is set, Redis answer',
          description: 'Each is given 2 s. `/metrics` (Prometheus) is documented in the README, not here.',
          tags: ['operations'],
          responses: {
            '200': { description: 'Ready.', content: json('HealthResponse') },
            '503': { description: 'The database or Redis does not answer; the message names which.', content: json('ErrorResponse') },
          },
        },
      },
      [OPENAPI_PATH]: {
        get: {
          operationId: 'openApiDocument',
          summary: 'This document',
          tags: ['operations'],
          responses: {
            '200': {
              description: 'The OpenAPI 3.1 description of the HTTP API.',
              content: { 'application/json': { schema: { type: 'object', required: ['openapi', 'info', 'paths'] } } },
            },
          },
        },
      },
    },
    components: {
      schemas: componentSchemas(),
      responses: {
        InvalidInput: { description: 'The body is not valid JSON or breaks a rule; `field` names the first bad field.', content: json('ErrorResponse') },
        SiteNotFound: { description: 'No site has this id.', content: json('ErrorResponse') },
        NotFound: { description: 'No site, room or user has this id.', content: json('ErrorResponse') },
        Unauthorized: { description: 'No session, or a session of another site.', content: json('ErrorResponse') },
        AdminOnly: {
          description:
            'The user is not an admin of the site, the action targets the admin themselves or `general`, or the Origin is ' +
            'not allowed (see Forbidden).',
          content: json('ErrorResponse'),
        },
        Forbidden: {
          description:
            "The request's Origin is not one of the site's allowed origins, or a request that changes state carries a " +
            'session cookie but does not come from our own pages (send the session as a bearer token instead).',
          content: json('ErrorResponse'),
        },
        RateLimited: {
          description: 'Too many attempts; try again after `retryAfterMs`.',
          headers: { 'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer', minimum: 0 } } },
          content: json('ErrorResponse'),
        },
      },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'The `token` of a SessionResponse.' },
        cookie: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: 'The signed session cookie set on sign-in, for first-party pages.' },
        console: {
          type: 'apiKey',
          in: 'cookie',
          name: CONSOLE_COOKIE,
          description: "The console's session (signed, HttpOnly, SameSite=Strict), set by console sign-in; changes must come from the server's own pages.",
        },
      },
    },
  };
}

/** GET /api/openapi.json: the document, built on first request and kept. */
export function openApiRoutes(): Router {
  const router = createRouter();
  let body: string | undefined;
  router.get(OPENAPI_PATH, (ctx) => {
    body ??= JSON.stringify(buildOpenApiDocument());
    ctx.type = 'application/json';
    ctx.body = body;
  });
  return router;
}
