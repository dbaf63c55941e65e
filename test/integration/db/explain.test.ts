import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Collection, type Db, type Filter, MongoClient, ObjectId } from 'mongodb';
import { loadConfig } from '../../../server/config';
import { type EmbeddedDatabase, startEmbeddedDatabase } from '../../../server/processes/embedded-database';

// The embedded database must look documents up by _id through the _id index, which unpatched FerretDB v1.24.2 never
// does (scripts/ferretdb/sqlite-id-index.patch, docs/decisions.md). Its explain answers, for the SQLite backend,
//   { queryPlanner: { Plan: ['id=3 parent=0 notused=0 detail=SEARCH <table> USING INDEX <table>__id_ (<expr>=?)'] },
//     filterPushdown: true, sortPushdown: false, limitPushdown: false, … }
// where Plan holds SQLite's EXPLAIN QUERY PLAN rows: SEARCH … USING INDEX is an index lookup, SCAN reads every row.

interface Message {
  _id: string | ObjectId | number;
  author?: { id: string };
  text?: string;
  kind?: string;
  n?: number;
  deletedAt?: Date;
  flag?: boolean;
}

const OID_1 = new ObjectId('65a000000000000000000001');
const OID_2 = new ObjectId('65a000000000000000000002');
// characters that JSON escapes or may escape: the pushed-down value must be spelled as the stored one
const ODD_ID = 'quote" back\\slash <&> é 🙂';

const FIXTURES: Message[] = [
  { _id: 'demo:room1:1', author: { id: 'u1' }, text: 'one' },
  { _id: 'demo:room1:2', author: { id: 'u2' }, text: 'two' },
  { _id: 'demo:room1:3', author: { id: 'u1' }, text: 'three', deletedAt: new Date('2024-01-01T00:00:00Z') },
  { _id: OID_1, kind: 'oid', n: 1 },
  { _id: OID_2, kind: 'oid', n: 2 },
  { _id: ODD_ID, text: 'odd' },
  { _id: 42, n: 42 },
];

const INDEX_SEARCH = /\bdetail=SEARCH \S+ USING INDEX \S+__id_ \(<expr>=\?\)$/;

let dataDir: string;
let database: EmbeddedDatabase;
let client: MongoClient;
let db: Db;
let messages: Collection<Message>;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'parley-explain-'));
  // through the same lookup as the server's: a Parley that would run an unpatched build fails here
  database = await startEmbeddedDatabase({ dataDir, cacheDir: loadConfig().cacheDir, log: () => {} });
  client = new MongoClient(database.uri);
  db = client.db('explain-test');
  messages = db.collection<Message>('messages');
}, 60_000);

afterAll(async () => {
  await client?.close();
  await database?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

beforeEach(async () => {
  await messages.deleteMany({});
  await messages.insertMany(FIXTURES.map((doc) => ({ ...doc })));
});

/** FerretDB's explain of a find: whether it pushed the filter down to SQL, and SQLite's query plan. */
async function explainFind(filter: Filter<Message>): Promise<{ filterPushdown: boolean; plan: string[] }> {
  const result = await db.command({ explain: { find: 'messages', filter } });
  return { filterPushdown: result.filterPushdown as boolean, plan: (result.queryPlanner as { Plan: string[] }).Plan };
}

const ids = (docs: Message[]) => docs.map((doc) => String(doc._id)).sort();

describe('finds by _id use the _id index', () => {
  it.each<[string, Filter<Message>]>([
    ['_id alone (string)', { _id: 'demo:room1:2' }],
    ['_id alone (ObjectId)', { _id: OID_1 }],
    ['_id beside other fields', { _id: 'demo:room1:2', 'author.id': 'u2', deletedAt: { $exists: false } }],
    ['_id beside a top-level field', { _id: 'demo:room1:2', text: 'two' }],
    ['_id: {$in: strings}', { _id: { $in: ['demo:room1:1', 'demo:room1:2'] } }],
    ['_id: {$in: ObjectIds and strings} beside other fields', { _id: { $in: [OID_1, OID_2, 'demo:room1:1'] }, kind: 'oid', n: { $gt: 1 } }],
  ])('%s', async (_name, filter) => {
    const { filterPushdown, plan } = await explainFind(filter);
    expect(filterPushdown).toBe(true);
    expect(plan).toHaveLength(1);
    expect(plan[0]).toMatch(INDEX_SEARCH);
  });

  it.each<[string, Filter<Message>]>([
    ['no _id', { text: 'one' }],
    ['_id: {$in: mixed types}', { _id: { $in: ['demo:room1:1', 42] } }],
    ['_id with another operator', { _id: { $in: ['demo:room1:1'], $ne: 'demo:room1:2' } }],
    ['_id: a number', { _id: 42 }],
  ])('and other filters are not pushed down: %s', async (_name, filter) => {
    // also shows that the plan read above tells a scan from a search
    const { filterPushdown, plan } = await explainFind(filter);
    expect(filterPushdown).toBe(false);
    expect(plan.join('\n')).toMatch(/\bdetail=SCAN \S+$/);
  });
});

describe('pushed-down _id filters still return what the whole filter says', () => {
  it('find: $in beside other fields returns only the documents those fields match', async () => {
    const filter = { _id: { $in: ['demo:room1:1', 'demo:room1:2', 'demo:room1:3', 'demo:room9:9'] }, 'author.id': 'u1', deletedAt: { $exists: false } };
    expect(ids(await messages.find(filter).toArray())).toEqual(['demo:room1:1']);
    expect(await messages.countDocuments(filter)).toBe(1);
  });

  it('find: _id beside a field that does not match returns nothing', async () => {
    expect(await messages.find({ _id: 'demo:room1:2', 'author.id': 'u1' }).toArray()).toEqual([]);
    expect(await messages.findOne({ _id: 'demo:room1:3', deletedAt: { $exists: false } })).toBeNull();
  });

  it('find: ObjectId _ids, alone and in $in beside other fields', async () => {
    expect(await messages.findOne({ _id: OID_2 })).toEqual({ _id: OID_2, kind: 'oid', n: 2 });
    expect(ids(await messages.find({ _id: { $in: [OID_1, OID_2, 'demo:room1:1'] }, kind: 'oid', n: { $gt: 1 } }).toArray())).toEqual([OID_2.toHexString()]);
    expect(ids(await messages.find({ _id: { $in: [OID_1, 'demo:room1:1'] } }).toArray())).toEqual([OID_1.toHexString(), 'demo:room1:1'].sort());
  });

  it('find: an _id that JSON escapes', async () => {
    expect(await messages.findOne({ _id: ODD_ID })).toEqual({ _id: ODD_ID, text: 'odd' });
    expect(ids(await messages.find({ _id: { $in: [ODD_ID, 'demo:room1:1'] }, text: 'odd' }).toArray())).toEqual([ODD_ID]);
  });

  it('find: an empty $in returns nothing', async () => {
    expect(await messages.find({ _id: { $in: [] } }).toArray()).toEqual([]);
    expect(await messages.find({ _id: { $in: [] }, text: 'one' }).toArray()).toEqual([]);
    expect(await messages.countDocuments({ _id: { $in: [] } })).toBe(0);
  });

  it('find: $in of mixed types (not pushed down) still matches each', async () => {
    expect(ids(await messages.find({ _id: { $in: ['demo:room1:1', 42, OID_1] } }).toArray())).toEqual(['42', OID_1.toHexString(), 'demo:room1:1'].sort());
  });

  it('updateOne and updateMany change only the documents the whole filter matches', async () => {
    const missed = await messages.updateOne({ _id: 'demo:room1:2', 'author.id': 'u1' }, { $set: { text: 'changed' } });
    expect(missed).toMatchObject({ matchedCount: 0, modifiedCount: 0 });
    const hit = await messages.updateOne({ _id: 'demo:room1:2', 'author.id': 'u2' }, { $set: { text: 'changed' } });
    expect(hit).toMatchObject({ matchedCount: 1, modifiedCount: 1 });

    const many = await messages.updateMany({ _id: { $in: ['demo:room1:1', 'demo:room1:2', 'demo:room1:3'] }, 'author.id': 'u1' }, { $set: { flag: true } });
    expect(many).toMatchObject({ matchedCount: 2, modifiedCount: 2 });

    expect(await messages.findOne({ _id: 'demo:room1:1' })).toEqual({ ...FIXTURES[0], flag: true });
    expect(await messages.findOne({ _id: 'demo:room1:2' })).toEqual({ ...FIXTURES[1], text: 'changed' });
    expect(await messages.findOne({ _id: 'demo:room1:3' })).toEqual({ ...FIXTURES[2], flag: true });
    expect(await messages.countDocuments({ flag: true })).toBe(2);
    expect(await messages.countDocuments({ text: 'changed' })).toBe(1);
  });

  it('findOneAndUpdate changes only a document the whole filter matches', async () => {
    await expect(messages.findOneAndUpdate({ _id: 'demo:room1:1', deletedAt: { $exists: true } }, { $set: { text: 'restored' } })).resolves.toBeNull();
    const updated = await messages.findOneAndUpdate({ _id: 'demo:room1:3', deletedAt: { $exists: true } }, { $unset: { deletedAt: '' } }, { returnDocument: 'after' });
    expect(updated).toEqual({ _id: 'demo:room1:3', author: { id: 'u1' }, text: 'three' });
    expect(await messages.findOne({ _id: 'demo:room1:1' })).toEqual(FIXTURES[0]);
  });

  it('deleteOne and deleteMany delete only the documents the whole filter matches', async () => {
    await expect(messages.deleteOne({ _id: OID_1, kind: 'other' })).resolves.toMatchObject({ deletedCount: 0 });
    await expect(messages.deleteOne({ _id: 'demo:room1:2', 'author.id': 'u1' })).resolves.toMatchObject({ deletedCount: 0 });
    await expect(messages.deleteOne({ _id: OID_1, kind: 'oid' })).resolves.toMatchObject({ deletedCount: 1 });
    await expect(messages.deleteMany({ _id: { $in: ['demo:room1:1', 'demo:room1:2', 'demo:room1:3'] }, deletedAt: { $exists: false } })).resolves.toMatchObject({ deletedCount: 2 });
    expect(ids(await messages.find().toArray())).toEqual(['42', OID_2.toHexString(), 'demo:room1:3', ODD_ID].sort());
  });
});
