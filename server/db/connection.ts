import { type CommandStartedEvent, type CreateIndexesOptions, type Db, type IndexSpecification, MongoClient } from 'mongodb';

export interface Database {
  client: MongoClient;
  db: Db;
  close(): Promise<void>;
}

/** Connects with the official driver and fails fast when nothing answers. `onCommand` sees every command sent (tests). */
export async function connectDatabase(uri: string, dbName: string, onCommand?: (command: CommandStartedEvent) => void): Promise<Database> {
  const client = new MongoClient(uri, {
    serverSelectionTimeoutMS: 5_000,
    appName: 'parley',
    ...(onCommand ? { monitorCommands: true } : {}),
  });
  if (onCommand) client.on('commandStarted', onCommand);
  await client.connect();
  const db = client.db(dbName);
  await db.command({ ping: 1 });
  return { client, db, close: () => client.close() };
}

/** The data model's indexes (DESIGN.md). */
const indexes: Array<{ collection: string; key: IndexSpecification; options: CreateIndexesOptions & { name: string } }> = [
  { collection: 'users', key: { siteId: 1, usernameKey: 1 }, options: { name: 'site_username', unique: true } },
  { collection: 'users', key: { siteId: 1, displayNameKey: 1 }, options: { name: 'site_display_name', unique: true } },
  // no TTL index: FerretDB v1 lacks it, so expired sessions are swept by the server instead
  { collection: 'sessions', key: { expiresAt: 1 }, options: { name: 'expires_at' } },
  // rooms, messages and sends are read by `_id` alone (docs/decisions.md, "Messages keyed by their place"); this one
  // only refuses a second copy of a send, whose record (`sends`) a node that died may not have written
  {
    collection: 'messages',
    key: { siteId: 1, roomId: 1, 'author.id': 1, clientMsgId: 1 },
    options: { name: 'site_room_author_client_msg', unique: true },
  },
  { collection: 'moderation', key: { siteId: 1, _id: -1 }, options: { name: 'site_newest' } },
  // the reports queue (open ones, newest first) and a message's open reports
  { collection: 'reports', key: { siteId: 1, status: 1, createdAt: -1 }, options: { name: 'site_status_newest' } },
  { collection: 'reports', key: { messageKey: 1, status: 1 }, options: { name: 'message_status' } },
  // rate-limiter-flexible's documents (server/http/rate-limits.ts); expired ones are swept like sessions
  { collection: 'rate_limits', key: { key: 1 }, options: { name: 'key', unique: true } },
  { collection: 'rate_limits', key: { expire: 1 }, options: { name: 'expire' } },
  // the upload sweep's scan (server/uploads/sweep.ts)
  { collection: 'uploads', key: { createdAt: 1 }, options: { name: 'created_at' } },
  // webhooks: a site's endpoints, and the queue's scan for due deliveries (server/webhooks/webhooks.ts)
  { collection: 'webhook_endpoints', key: { siteId: 1 }, options: { name: 'site' } },
  { collection: 'webhook_queue', key: { dueAt: 1 }, options: { name: 'due_at' } },
  // one console account per email address
  { collection: 'console_accounts', key: { emailKey: 1 }, options: { name: 'email', unique: true } },
];

/**
 * Creates the indexes; safe to run at every start. One index per command: FerretDB v1.24 drops the
 * connection when a multi-index createIndexes names indexes that already exist.
 */
export async function ensureIndexes(db: Db): Promise<void> {
  for (const { collection, key, options } of indexes) await db.collection(collection).createIndex(key, options);
}
