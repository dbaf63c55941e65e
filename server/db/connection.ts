import { type Db, MongoClient } from 'mongodb';

export interface Database {
  client: MongoClient;
  db: Db;
  close(): Promise<void>;
}

/** Connects with the official driver and fails fast when nothing answers. */
export async function connectDatabase(uri: string, dbName: string): Promise<Database> {
  const client = new MongoClient(uri, {
    serverSelectionTimeoutMS: 5_000,
    appName: 'parley',
  });
  await client.connect();
  const db = client.db(dbName);
  await db.command({ ping: 1 });
  return { client, db, close: () => client.close() };
}

/** Creates the data model's indexes; safe to run at every start. */
export async function ensureIndexes(db: Db): Promise<void> {
  await Promise.all([
    db.collection('users').createIndexes([
      { key: { siteId: 1, usernameKey: 1 }, name: 'site_username', unique: true },
      { key: { siteId: 1, displayNameKey: 1 }, name: 'site_display_name', unique: true },
    ]),
    // no TTL index: FerretDB v1 lacks it, so expired sessions are swept by the server instead
    db.collection('sessions').createIndex({ expiresAt: 1 }, { name: 'expires_at' }),
    db.collection('rooms').createIndex({ siteId: 1, roomId: 1 }, { name: 'site_room', unique: true }),
    db.collection('messages').createIndexes([
      { key: { siteId: 1, roomId: 1, seq: 1 }, name: 'site_room_seq', unique: true },
      { key: { siteId: 1, roomId: 1, 'author.id': 1, clientMsgId: 1 }, name: 'site_room_author_client_msg', unique: true },
    ]),
  ]);
}
