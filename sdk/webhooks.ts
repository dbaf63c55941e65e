import type { WebhookEventType } from './protocol';

/** Every event a webhook endpoint may listen to: the server's schemas, the OpenAPI document and the console list them. */
export const WEBHOOK_EVENT_TYPES = [
  'message.created',
  'message.updated',
  'message.deleted',
  'reaction.changed',
  'user.registered',
  'moderation.action',
  'report.created',
] as const satisfies readonly WebhookEventType[];

// every event of the protocol is listed above: a new one fails to compile until it is
const complete: [Exclude<WebhookEventType, (typeof WEBHOOK_EVENT_TYPES)[number]>] extends [never] ? true : never = true;
void complete;
