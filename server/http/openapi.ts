import Router from '@koa/router';
import { z } from 'zod';
import { errorResponseSchema, healthResponseSchema, meResponseSchema, sessionResponseSchema, userSchema } from './api-schemas';
import { identifySchema, loginSchema, registerSchema } from './routes/auth';
import { SESSION_COOKIE } from './session';
import { ID_PATTERN } from '../validation';

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

  const responses = z.registry<{ id: string }>();
  responses.add(userSchema, { id: 'User' });
  responses.add(sessionResponseSchema, { id: 'SessionResponse' });
  responses.add(meResponseSchema, { id: 'MeResponse' });
  responses.add(errorResponseSchema, { id: 'ErrorResponse' });
  responses.add(healthResponseSchema, { id: 'HealthResponse' });

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

const signedIn = [{ bearer: [] }, { cookie: [] }];

/** Builds the OpenAPI 3.1 description of the HTTP API from the schemas the handlers and the protocol use. */
export function buildOpenApiDocument(): OpenApiDocument {
  const sessionCreated = (description: string) => ({
    description,
    headers: {
      'Set-Cookie': {
        description: `\`${SESSION_COOKIE}\` (signed, HttpOnly, SameSite=Lax) unless the request carried a bearer token.`,
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
        'Accounts and sessions of a Parley site. Chat itself runs over Socket.IO (see sdk/protocol.ts). ' +
        'Every error has the body `{ "error": { "code", "message", "field"? } }`.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths: {
      '/api/sites/{siteId}/register': {
        parameters: [siteId],
        post: {
          operationId: 'register',
          summary: 'Create an account and sign in',
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
          description: "`hash` is HMAC-SHA256(the site's identity secret, userId) in hex; the account is created on first use.",
          tags: ['accounts'],
          security: [],
          requestBody: { required: true, content: json('IdentifyRequest') },
          responses: {
            '200': sessionCreated('Signed in, with a new session id.'),
            '400': responseRef('InvalidInput'),
            '401': { description: 'The hash does not match the user id.', content: json('ErrorResponse') },
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
          summary: 'The process can serve requests: its database answers',
          tags: ['operations'],
          responses: {
            '200': { description: 'Ready.', content: json('HealthResponse') },
            '503': { description: 'The database does not answer.', content: json('ErrorResponse') },
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
      },
    },
  };
}

/** GET /api/openapi.json: the document, built on first request and kept. */
export function openApiRoutes(): Router {
  const router = new Router();
  let body: string | undefined;
  router.get(OPENAPI_PATH, (ctx) => {
    body ??= JSON.stringify(buildOpenApiDocument());
    ctx.type = 'application/json';
    ctx.body = body;
  });
  return router;
}
