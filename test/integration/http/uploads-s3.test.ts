import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { createChatClient } from '../../../sdk';
import type { UploadResponse } from '../../../sdk/protocol';
import { ConfigError, loadConfig } from '../../../server/config';
import { UNATTACHED_TTL_MS } from '../../../server/db/uploads';
import type { Parley } from '../../../server/start-up';
import { sweepUploads } from '../../../server/uploads/sweep';
import { chatClients } from '../../helpers/chat';
import { type S3Server, startS3Server } from '../../helpers/s3-server';
import { newAccount, startTestServer } from '../../helpers/server';

// Uploads' bytes in S3-compatible storage (STORAGE_URL): a real S3-compatible server on loopback (moto, installed by
// scripts/install-moto.sh), the real server and database. Two Parleys share one database: one keeps bytes in it,
// the other in the bucket, so uploads from before a bucket was set stay readable.
let s3: S3Server;
let inDatabase: Parley;
let inBucket: Parley;
const clients = chatClients(() => inBucket);
// one database for both servers
const SHARED = { MONGODB_DB: `test-s3-${randomBytes(6).toString('hex')}`, RATE_LIMIT_UPLOADS_PER_USER: '1000/3600', RATE_LIMIT_UPLOAD_MB_PER_USER: '1000/86400' };

beforeAll(async () => {
  s3 = await startS3Server();
  inDatabase = await startTestServer(SHARED);
  inBucket = await startTestServer({ ...SHARED, STORAGE_URL: s3.storageUrl('chat') });
}, 180_000);
afterAll(async () => {
  clients.closeAll();
  await inBucket?.close();
  await inDatabase?.close();
  await s3?.close();
});

/** A member whose bearer token works on both servers (they share the database). */
async function member(prefix: string) {
  let token: string | null = null;
  const chat = clients.track(createChatClient({ baseUrl: inBucket.url, site: 'demo', storage: { get: () => token, set: (value) => void (token = value) } }));
  await chat.register(newAccount(prefix));
  const room = await chat.join('general');
  return { chat, room, token: token! };
}

const png = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: '#2a6' } }).png().toBuffer();

async function upload(parley: Parley, token: string, bytes: Buffer, name: string) {
  const response = await fetch(`${parley.url}/api/sites/demo/uploads?name=${name}`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: new Blob([new Uint8Array(bytes)]) });
  expect(response.status).toBe(201);
  return ((await response.json()) as UploadResponse).upload;
}

const get = (parley: Parley, token: string, path: string) => fetch(`${parley.url}/api/sites/demo/uploads/${path}`, { headers: { authorization: `Bearer ${token}` } });

describe('uploads in S3-compatible storage', () => {
  it('keeps the bytes and thumbnail in the bucket, serves them, and still serves what the database holds', async () => {
    const ada = await member('ada');
    const old = await upload(inDatabase, ada.token, await png(50, 40), 'old.png');
    const [, chunksBefore] = await inBucket.repositories.uploads.count();

    const image = await upload(inBucket, ada.token, await png(900, 600), 'new.png');
    expect(await s3.keys()).toEqual([`chat/${image.id}`, `chat/${image.id}/thumbnail`]);
    // nothing of it in the database but its record
    expect((await inBucket.repositories.uploads.count())[1]).toBe(chunksBefore);

    const original = await get(inBucket, ada.token, image.id);
    expect(original.status).toBe(200);
    expect(original.headers.get('content-type')).toBe('image/png');
    expect(original.headers.get('content-security-policy')).toContain('sandbox');
    expect(await sharp(Buffer.from(await original.arrayBuffer())).metadata()).toMatchObject({ format: 'png', width: 900, height: 600 });
    const thumbnail = await get(inBucket, ada.token, `${image.id}/thumbnail`);
    expect(await sharp(Buffer.from(await thumbnail.arrayBuffer())).metadata()).toMatchObject({ format: 'webp', width: 320, height: 213 });

    // an upload from before the bucket was set comes from the database
    const earlier = await get(inBucket, ada.token, old.id);
    expect(earlier.status).toBe(200);
    expect(await sharp(Buffer.from(await earlier.arrayBuffer())).metadata()).toMatchObject({ width: 50, height: 40 });
    // who may see it is unchanged: another member, before it is sent, does not
    const bob = await member('bob');
    expect((await get(inBucket, bob.token, image.id)).status).toBe(404);
  });

  it('deletes the objects with the message, and sweeps those never sent', async () => {
    const cy = await member('cy');
    const sent = await upload(inBucket, cy.token, await png(64, 64), 'sent.png');
    const unsent = await upload(inBucket, cy.token, await png(64, 64), 'unsent.png');
    const message = await cy.room.send('with a picture', { attachments: [sent] });
    const keys = await s3.keys();
    expect(keys).toEqual(expect.arrayContaining([`chat/${sent.id}`, `chat/${sent.id}/thumbnail`, `chat/${unsent.id}`, `chat/${unsent.id}/thumbnail`]));

    // gone before the delete is acknowledged
    await cy.room.delete(message.seq);
    expect((await s3.keys()).filter((key) => key.includes(sent.id))).toEqual([]);
    expect((await get(inBucket, cy.token, sent.id)).status).toBe(404);

    // an hour later the unsent one goes too (time moved by the argument, not waited for)
    await sweepUploads(inBucket.repositories, Date.now() + UNATTACHED_TTL_MS + 60_000);
    const left = await s3.keys();
    expect(left.filter((key) => key.includes(unsent.id))).toEqual([]);
  });

  it('refuses to start with a bucket it cannot use, and a STORAGE_URL it cannot read', async () => {
    await expect(startTestServer({ STORAGE_URL: s3.storageUrl().replace('/parley-uploads', '/no-such-bucket') })).rejects.toThrow(
      'STORAGE_URL: the bucket no-such-bucket at http://127.0.0.1',
    );
    for (const [value, why] of [
      ['https://key:secret@s3.example.com/bucket', 'must start with s3:// or s3+http://'],
      ['s3://key:secret@s3.example.com/', 'names no valid bucket'],
      ['s3://key@s3.example.com/bucket', 'gives a key without a secret'],
      ['not a url', 'is not a URL'],
    ]) {
      expect(() => loadConfig({ STORAGE_URL: value })).toThrow(ConfigError);
      expect(() => loadConfig({ STORAGE_URL: value })).toThrow(`STORAGE_URL: ${why}`);
    }
    expect(loadConfig({ STORAGE_URL: 's3://AK%2Fx:s%40cret@s3.eu-west-1.example.com:9000/photos/chat/site?region=eu-west-1' }).storage).toEqual({
      endpoint: 'https://s3.eu-west-1.example.com:9000',
      bucket: 'photos',
      prefix: 'chat/site/',
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AK/x', secretAccessKey: 's@cret' },
    });
  });
});
