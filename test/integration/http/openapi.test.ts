import { Ajv2020 } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { z } from 'zod';
import type { SessionResponse } from '../../../sdk/protocol';
import type { Parley } from '../../../server/main';
import { buildOpenApiDocument, type OpenApiDocument } from '../../../server/http/openapi';
import { registerSchema } from '../../../server/http/routes/auth';
import { newAccount, startTestServer } from '../../helpers/server';

let parley: Parley;
let document: OpenApiDocument;
let contentType: string | null;
beforeAll(async () => {
  parley = await startTestServer();
  const response = await fetch(`${parley.url}/api/openapi.json`);
  expect(response.status).toBe(200);
  contentType = response.headers.get('content-type');
  document = (await response.json()) as OpenApiDocument;
});
afterAll(() => parley.close());

const DOCUMENT_ID = 'https://parley.invalid/api/openapi.json';

/** A strict 2020-12 validator for the schema at `ref` in the served document, so references between components resolve. */
function validatorFor(ref: string) {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  // timestamps are documented as `format: date-time`
  addFormats(ajv);
  // the document's other members are not JSON Schema: let ajv accept them without reading them
  ajv.addVocabulary(['openapi', 'info', 'jsonSchemaDialect', 'paths', 'components']);
  ajv.addSchema({ ...document, $id: DOCUMENT_ID });
  const validate = ajv.getSchema(`${DOCUMENT_ID}${ref}`);
  if (!validate) throw new Error(`no schema at ${ref}`);
  return validate;
}

const refOf = (schema: object | undefined) => (schema as { $ref?: string } | undefined)?.$ref ?? '(not a reference)';

interface Operation {
  requestBody?: { content: Record<string, { schema: object }> };
  responses: Record<string, { $ref?: string; content?: Record<string, { schema: object }> }>;
  security?: Array<Record<string, string[]>>;
}

function operation(path: string, method: string): Operation {
  const found = document.paths[path]?.[method] as Operation | undefined;
  if (!found) throw new Error(`the document has no ${method.toUpperCase()} ${path}`);
  return found;
}

/** A response object, following one `#/components/responses/…` reference. */
function response(op: Operation, status: string) {
  const found = op.responses[status];
  if (!found?.$ref) return found;
  return document.components.responses[found.$ref.replace('#/components/responses/', '')] as typeof found;
}

const jsonSchemaOf = (op: Operation, status: string) => response(op, status)?.content?.['application/json']?.schema ?? {};

describe('GET /api/openapi.json', () => {
  it('serves an OpenAPI 3.1 document with JSON Schema 2020-12 schemas, as JSON', () => {
    expect(contentType).toMatch(/^application\/json\b/);
    expect(document.openapi).toBe('3.1.0');
    expect(document.jsonSchemaDialect).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(document).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument())));
  });

  it('lists every operation of the HTTP API with the statuses it answers', () => {
    const statuses = Object.fromEntries(
      Object.entries(document.paths).flatMap(([path, item]) =>
        Object.entries(item)
          .filter(([method]) => method !== 'parameters')
          .map(([method, op]) => [`${method.toUpperCase()} ${path}`, Object.keys((op as Operation).responses).sort()]),
      ),
    );
    expect(statuses).toEqual({
      'POST /api/sites/{siteId}/register': ['201', '400', '403', '404', '409', '429'],
      'POST /api/sites/{siteId}/login': ['200', '400', '401', '403', '404', '429'],
      'POST /api/sites/{siteId}/identify': ['200', '400', '401', '403', '404', '429'],
      'POST /api/sites/{siteId}/logout': ['204', '403', '404'],
      'GET /api/sites/{siteId}/me': ['200', '401', '403', '404'],
      'GET /api/sites/{siteId}/session': ['200', '403', '404'],
      'GET /api/sites/{siteId}/rooms': ['200', '403', '404'],
      'POST /api/sites/{siteId}/rooms': ['201', '400', '401', '403', '404', '409'],
      'PATCH /api/sites/{siteId}/rooms/{roomId}': ['200', '400', '401', '403', '404'],
      'POST /api/sites/{siteId}/rooms/{roomId}/mutes': ['201', '400', '401', '403', '404'],
      'DELETE /api/sites/{siteId}/rooms/{roomId}/mutes/{userId}': ['204', '401', '403', '404'],
      'POST /api/sites/{siteId}/users/{userId}/ban': ['204', '400', '401', '403', '404'],
      'DELETE /api/sites/{siteId}/users/{userId}/ban': ['204', '401', '403', '404'],
      'GET /api/sites/{siteId}/word-filter': ['200', '401', '403', '404'],
      'PUT /api/sites/{siteId}/word-filter': ['200', '400', '401', '403', '404'],
      'GET /api/sites/{siteId}/reports': ['200', '401', '403', '404'],
      'POST /api/sites/{siteId}/reports/resolve': ['200', '400', '401', '403', '404'],
      'GET /api/sites/{siteId}/report-settings': ['200', '401', '403', '404'],
      'PUT /api/sites/{siteId}/report-settings': ['200', '400', '401', '403', '404'],
      'GET /api/sites/{siteId}/blocks': ['200', '401', '403', '404'],
      'POST /api/sites/{siteId}/blocks': ['204', '400', '401', '403', '404'],
      'DELETE /api/sites/{siteId}/blocks/{userId}': ['204', '401', '403', '404'],
      'GET /api/sites/{siteId}/me/email': ['200', '401', '403', '404'],
      'PUT /api/sites/{siteId}/me/email': ['202', '400', '401', '403', '404', '429', '503'],
      'PATCH /api/sites/{siteId}/me/email': ['200', '400', '401', '403', '404'],
      'DELETE /api/sites/{siteId}/me/email': ['200', '401', '403', '404'],
      'GET /email/verify': ['200', '400'],
      'POST /email/verify': ['200', '400'],
      'GET /email/unsubscribe': ['200', '400'],
      'POST /email/unsubscribe': ['200', '400'],
      'GET /api/sites/{siteId}/me/export': ['200', '401', '403', '404', '429'],
      'POST /api/sites/{siteId}/me/erase': ['204', '400', '401', '403', '404', '429'],
      'GET /api/sites/{siteId}/users/{userId}/export': ['200', '401', '403', '404', '429'],
      'POST /api/sites/{siteId}/users/{userId}/erase': ['204', '400', '401', '403', '404', '429'],
      'POST /api/sites/{siteId}/uploads': ['201', '400', '401', '403', '404', '429', '503'],
      'GET /api/sites/{siteId}/uploads/{uploadId}': ['200', '304', '401', '403', '404'],
      'GET /api/sites/{siteId}/uploads/{uploadId}/thumbnail': ['200', '304', '401', '403', '404'],
      'GET /api/sites/{siteId}/moderation': ['200', '400', '401', '403', '404'],
      'GET /api/sites/{siteId}/info': ['200', '403', '404'],
      'GET /api/sites/{siteId}/challenge': ['200', '403', '404', '429'],
      'POST /api/sites/{siteId}/guest': ['201', '400', '403', '404', '409', '429'],
      'GET /api/sites/{siteId}/settings': ['200', '401', '403', '404'],
      'PATCH /api/sites/{siteId}/settings': ['200', '400', '401', '403', '404'],
      'GET /api/sites/{siteId}/staff': ['200', '401', '403', '404'],
      'GET /api/sites/{siteId}/pre-publish': ['200', '401', '403', '404'],
      'PUT /api/sites/{siteId}/pre-publish': ['200', '400', '401', '403', '404'],
      'DELETE /api/sites/{siteId}/pre-publish': ['204', '400', '401', '403', '404'],
      'GET /api/sites/{siteId}/webhooks': ['200', '401', '403', '404'],
      'POST /api/sites/{siteId}/webhooks': ['201', '400', '401', '403', '404', '409'],
      'GET /api/sites/{siteId}/webhooks/{webhookId}': ['200', '401', '403', '404'],
      'PATCH /api/sites/{siteId}/webhooks/{webhookId}': ['200', '400', '401', '403', '404'],
      'DELETE /api/sites/{siteId}/webhooks/{webhookId}': ['204', '401', '403', '404'],
      'GET /api/sites/{siteId}/webhooks/{webhookId}/deliveries': ['200', '400', '401', '403', '404'],
      'POST /api/sites/{siteId}/webhooks/{webhookId}/deliveries/{deliveryId}/resend': ['202', '401', '403', '404'],
      'PUT /api/sites/{siteId}/users/{userId}/role': ['200', '400', '401', '403', '404'],
      'POST /api/console/login': ['200', '400', '401', '403', '429'],
      'POST /api/console/logout': ['204', '403'],
      'GET /api/console/about': ['200'],
      'GET /api/console/challenge': ['200', '404', '429'],
      'POST /api/console/signup': ['201', '400', '403', '409', '429'],
      'GET /api/console/resets/{token}': ['200', '404'],
      'POST /api/console/resets/{token}': ['200', '400', '403', '404'],
      'GET /api/console/me': ['200', '401'],
      'GET /api/console/invites/{token}': ['200', '404'],
      'POST /api/console/invites/{token}/accept': ['201', '400', '401', '403', '404', '409', '429'],
      'POST /api/console/sites': ['201', '400', '401', '403', '409'],
      'GET /api/console/sites/{consoleSiteId}': ['200', '401', '404'],
      'PATCH /api/console/sites/{consoleSiteId}': ['200', '400', '401', '403', '404'],
      'DELETE /api/console/sites/{consoleSiteId}': ['204', '400', '401', '403', '404'],
      'GET /api/console/sites/{consoleSiteId}/team': ['200', '401', '404'],
      'POST /api/console/sites/{consoleSiteId}/invites': ['201', '400', '401', '403', '404'],
      'DELETE /api/console/sites/{consoleSiteId}/team/{accountId}': ['204', '401', '403', '404'],
      'PUT /api/console/sites/{consoleSiteId}/chat-user': ['200', '400', '401', '403', '404', '429'],
      'DELETE /api/console/sites/{consoleSiteId}/chat-user': ['204', '401', '403', '404'],
      'GET /api/sites/{siteId}/activity': ['200', '401', '403', '404'],
      'GET /api/sites/{siteId}/rooms/{roomId}/transcript': ['200', '400', '401', '403', '404'],
      'GET /api/sites/{siteId}/rooms/{roomId}/export': ['200', '400', '401', '403', '404'],
      'DELETE /api/sites/{siteId}/rooms/{roomId}/messages/{seq}': ['204', '401', '403', '404'],
      'GET /api/console/sites/{consoleSiteId}/secret': ['200', '401', '403', '404'],
      'POST /api/console/sites/{consoleSiteId}/secret': ['200', '400', '401', '403', '404'],
      'GET /api/sites/{siteId}/users': ['200', '400', '401', '403', '404'],
      'GET /api/sites/{siteId}/users/{userId}': ['200', '401', '403', '404'],
      'GET /healthz': ['200'],
      'GET /readyz': ['200', '503'],
      'GET /api/openapi.json': ['200'],
    });
  });

  it('gives every error response of the API the ErrorResponse body (the pages for people answer HTML)', () => {
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (method === 'parameters' || path.startsWith('/email/')) continue;
        for (const status of Object.keys((op as Operation).responses).filter((s) => Number(s) >= 400)) {
          expect([`${method} ${path} ${status}`, jsonSchemaOf(op as Operation, status)]).toEqual([
            `${method} ${path} ${status}`,
            { $ref: '#/components/schemas/ErrorResponse' },
          ]);
        }
      }
    }
    const codes = (document.components.schemas.ErrorResponse as { properties: { error: { properties: { code: { enum: string[] } } } } }).properties.error
      .properties.code.enum;
    expect(codes).toEqual(expect.arrayContaining(['invalid_input', 'unauthorized', 'not_found', 'conflict', 'rate_limited', 'internal']));
  });

  it('constrains siteId to the ids the server accepts', () => {
    const parameters = document.paths['/api/sites/{siteId}/register']?.parameters;
    expect(parameters).toEqual([expect.objectContaining({ name: 'siteId', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z0-9-]{1,40}$' } })]);
  });

  it('declares the bearer token, the parley.sid cookie and the console cookie, and /me requires one of the first two', () => {
    expect(document.components.securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      cookie: expect.objectContaining({ type: 'apiKey', in: 'cookie', name: 'parley.sid' }),
      console: expect.objectContaining({ type: 'apiKey', in: 'cookie', name: 'parley.console' }),
    });
    expect(operation('/api/sites/{siteId}/me', 'get').security).toEqual([{ bearer: [] }, { cookie: [] }]);
    expect(operation('/api/console/me', 'get').security).toEqual([{ console: [] }]);
  });

  it('compiles every component schema as strict JSON Schema 2020-12', () => {
    for (const name of Object.keys(document.components.schemas)) {
      expect(() => validatorFor(`#/components/schemas/${name}`)).not.toThrow();
    }
  });
});

describe('the register request schema', () => {
  const register = () => operation('/api/sites/{siteId}/register', 'post');

  it('is generated from the handler: the three fields required and no others', () => {
    expect(register().requestBody?.content['application/json']?.schema).toEqual({ $ref: '#/components/schemas/RegisterRequest' });
    const schema = document.components.schemas.RegisterRequest;
    expect(schema).toMatchObject({ type: 'object', additionalProperties: false });
    expect([...(schema?.required as string[])].sort()).toEqual(['displayName', 'password', 'username']);
    const { $schema: _, ...generated } = z.toJSONSchema(registerSchema, { io: 'input', target: 'draft-2020-12' });
    expect(schema).toEqual(generated);
  });

  it('rejects unknown fields and missing ones, and accepts a valid account', () => {
    const validate = validatorFor(refOf(register().requestBody?.content['application/json']?.schema));
    const account = newAccount();
    expect(validate(account)).toBe(true);
    expect(validate({ ...account, isAdmin: true })).toBe(false);
    expect(validate({ username: account.username, password: account.password })).toBe(false);
    expect(validate({ ...account, password: 'short' })).toBe(false);
  });
});

describe('responses against their documented schemas', () => {
  async function post(path: string, body: unknown) {
    const res = await fetch(`${parley.url}/api/sites/demo/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as unknown };
  }

  function expectValid(op: Operation, status: number, body: unknown) {
    const validate = validatorFor(refOf(jsonSchemaOf(op, String(status))));
    const valid = validate(body);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  }

  it('a real registration (201) and the /me that follows (200) match the documented schemas', async () => {
    const created = await post('register', newAccount());
    expect(created.status).toBe(201);
    expectValid(operation('/api/sites/{siteId}/register', 'post'), 201, created.body);

    const me = await fetch(`${parley.url}/api/sites/demo/me`, { headers: { authorization: `Bearer ${(created.body as SessionResponse).token}` } });
    expect(me.status).toBe(200);
    expectValid(operation('/api/sites/{siteId}/me', 'get'), 200, await me.json());
  });

  it('a 409 and a 400 match the ErrorResponse schema, and a body with an extra field does not', async () => {
    const account = newAccount();
    await post('register', account);
    const clash = await post('register', account);
    expect(clash.status).toBe(409);
    expectValid(operation('/api/sites/{siteId}/register', 'post'), 409, clash.body);

    const invalid = await post('register', { ...account, extra: 1 });
    expect(invalid.status).toBe(400);
    expectValid(operation('/api/sites/{siteId}/register', 'post'), 400, invalid.body);

    const validate = validatorFor('#/components/schemas/ErrorResponse');
    expect(validate({ error: { code: 'conflict', message: 'x', stack: 'at …' } })).toBe(false);
    expect(validate({ error: { code: 'teapot', message: 'x' } })).toBe(false);
  });
});
