import { randomBytes } from 'node:crypto';
import { get } from 'node:http';
import sharp from 'sharp';
import { createChatClient, type ChatError } from '../../../sdk';
import type { ErrorResponse, UploadResponse } from '../../../sdk/protocol';
import type { Parley } from '../../../server/start-up';
import { sweepUploads } from '../../../server/uploads/sweep';
import { UNATTACHED_TTL_MS } from '../../../server/db/uploads';
import { createSite } from '../../../server/db';
import { chatClients, waitUntil } from '../../helpers/chat';
import { newAccount, startTestServer } from '../../helpers/server';

// Images over the real server and database: type by content, metadata stripped, thumbnails, who may see them,
// attaching to messages, deleting with the message, the sweep of unsent uploads, and what is refused (nothing stored).
let parley: Parley;
const clients = chatClients(() => parley);
beforeAll(async () => {
  parley = await startTestServer({ RATE_LIMIT_UPLOADS_PER_USER: '1000/3600', RATE_LIMIT_UPLOAD_MB_PER_USER: '1000/86400' });
});
afterAll(async () => {
  clients.closeAll();
  await parley.close();
});

/** A member whose bearer token the test can use in requests of its own. */
async function member(prefix: string, site = 'demo') {
  let token: string | null = null;
  const chat = clients.track(createChatClient({ baseUrl: parley.url, site, storage: { get: () => token, set: (value) => void (token = value) } }));
  const user = await chat.register(newAccount(prefix));
  const room = await chat.join('general');
  return { chat, user, room, token: token! };
}

const api = (path: string, site = 'demo') => `${parley.url}/api/sites/${site}/${path}`;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function upload(token: string, bytes: Uint8Array, { name = 'photo.jpg', type = 'application/octet-stream', site = 'demo' } = {}) {
  return fetch(api(`uploads?name=${encodeURIComponent(name)}`, site), { method: 'POST', headers: { ...bearer(token), 'content-type': type }, body: new Blob([new Uint8Array(bytes)]) });
}

const jpegWithLocation = () =>
  sharp({ create: { width: 1200, height: 800, channels: 3, background: '#3a7' } })
    .jpeg()
    .withMetadata({ exif: { IFD0: { Copyright: 'GPS 48.8584 N 2.2945 E' } } })
    .toBuffer();
const png = (width = 40, height = 30) => sharp({ create: { width, height, channels: 3, background: '#e33' } }).png().toBuffer();

/** How many upload records and chunk documents the database holds. */
const stored = () => parley.repositories.uploads.count();
const storedChunks = async () => (await stored())[1];

async function newSite(): Promise<string> {
  const id = `img-${randomBytes(4).toString('hex')}`;
  await createSite(parley.repositories, { id, name: 'Images', allowedOrigins: [] });
  return id;
}

const refusal = (promise: Promise<unknown>): Promise<ChatError> =>
  promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (error: unknown) => error as ChatError,
  );

describe('uploading an image', () => {
  it('is typed by content, stored without metadata, with a thumbnail, and served as an inert attachment', async () => {
    const ada = await member('ada');
    const original = await jpegWithLocation();
    expect(original.includes('GPS 48.8584')).toBe(true);
    // a name and a Content-Type that lie: the content decides
    const response = await upload(ada.token, original, { name: 'C:\\Users\\ada\\holiday.gif', type: 'text/html' });
    expect(response.status).toBe(201);
    const { upload: image } = (await response.json()) as UploadResponse;
    expect(image).toEqual({ id: expect.stringMatching(/^[0-9a-f]{24}$/), name: 'holiday.gif', type: 'image/jpeg', size: expect.any(Number), width: 1200, height: 800 });

    const served = await fetch(api(`uploads/${image.id}`), { headers: bearer(ada.token) });
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/jpeg');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(served.headers.get('content-security-policy')).toMatch(/sandbox/);
    expect(served.headers.get('content-disposition')).toBe("inline; filename*=UTF-8''holiday.gif");
    expect(served.headers.get('cache-control')).toBe('private, max-age=86400');
    const bytes = Buffer.from(await served.arrayBuffer());
    expect(bytes.length).toBe(image.size);
    expect(bytes.includes('GPS 48.8584')).toBe(false);
    expect((await sharp(bytes).metadata()).exif).toBeUndefined();

    const thumbnail = await fetch(api(`uploads/${image.id}/thumbnail`), { headers: bearer(ada.token) });
    expect(thumbnail.headers.get('content-type')).toBe('image/webp');
    const thumb = await sharp(Buffer.from(await thumbnail.arrayBuffer())).metadata();
    expect([thumb.format, thumb.width, thumb.height]).toEqual(['webp', 320, 213]);

    // revalidated with its ETag, as a browser's cache does: not sent again (node:http, since fetch() would add no-cache)
    const again = await new Promise<number | undefined>((resolve, reject) =>
      get(api(`uploads/${image.id}/thumbnail`), { headers: { ...bearer(ada.token), 'if-none-match': thumbnail.headers.get('etag')! } }, (answer) => {
        answer.resume();
        resolve(answer.statusCode);
      }).on('error', reject),
    );
    expect(again).toBe(304);
  });

  it('keeps a readable name: no path, control or bidi characters, and a download name any browser reads whole', async () => {
    const ada = await member('ada');
    const response = await upload(ada.token, await png(), { name: '../shots/\u202eAda\u0007\u2028\n\'s (copy)*.png' });
    const { upload: image } = (await response.json()) as UploadResponse;
    expect(image.name).toBe("Ada's (copy)*.png");
    const served = await fetch(api(`uploads/${image.id}`), { headers: bearer(ada.token) });
    // RFC 5987: ' ( ) * are escaped too (a strict browser would end the name at the apostrophe)
    expect(served.headers.get('content-disposition')).toBe("inline; filename*=UTF-8''Ada%27s%20%28copy%29%2A.png");
  });

  it('through the SDK: upload, send with the message (text optional), and download', async () => {
    const ada = await member('ada');
    const bob = await member('bob');
    const heard: string[] = [];
    bob.room.on('message', (message) => void heard.push(...(message.attachments ?? []).map((attachment) => attachment.id)));
    const image = await ada.chat.upload(new Blob([await png()]), 'red.png');
    expect(image).toMatchObject({ name: 'red.png', type: 'image/png', width: 40, height: 30 });
    // before it is sent, only its uploader sees it
    await expect(refusal(bob.chat.download(image))).resolves.toMatchObject({ code: 'not_found' });

    const message = await ada.room.send('', { attachments: [image] });
    expect(message).toMatchObject({ text: '', attachments: [image] });
    await waitUntil(() => heard.includes(image.id));
    const downloaded = await bob.chat.download(image, 'thumbnail');
    expect(downloaded.type).toBe('image/webp');
    expect((await sharp(Buffer.from(await downloaded.arrayBuffer())).metadata()).width).toBe(40);
    expect(ada.chat.attachmentUrl(image, 'thumbnail')).toBe(api(`uploads/${image.id}/thumbnail`));
    // history and a new join carry it too
    expect((await bob.room.history({ limit: 1 }))[0]?.attachments).toEqual([image]);
    const carol = await member('carol');
    expect((await carol.chat.join('general')).recent.find((m) => m.seq === message.seq)?.attachments).toEqual([image]);
  });

  it('is attached once, only by its uploader, at most four to a message; a retried send attaches it again', async () => {
    const ada = await member('ada');
    const bob = await member('bob');
    const image = await ada.chat.upload(await png());
    await expect(refusal(bob.room.send('mine now', { attachments: [image] }))).resolves.toMatchObject({ code: 'invalid_input', field: 'attachments' });
    await expect(refusal(ada.room.send(''))).resolves.toMatchObject({ code: 'invalid_input', field: 'text' });
    const five = await Promise.all(Array.from({ length: 5 }, async () => ada.chat.upload(await png())));
    await expect(refusal(ada.room.send('five', { attachments: five }))).resolves.toMatchObject({ code: 'invalid_input', field: 'attachments' });
    // refused sends claimed nothing: the first four still go
    const four = await ada.room.send('four', { attachments: five.slice(0, 4) });
    expect(four.attachments?.map((attachment) => attachment.id)).toEqual(five.slice(0, 4).map((attachment) => attachment.id));
    await expect(refusal(ada.room.send('again', { attachments: [five[0]!] }))).resolves.toMatchObject({ code: 'invalid_input', field: 'attachments' });

    const first = await ada.room.send('once', { attachments: [image], clientMsgId: 'retry-with-image-1' });
    const retried = await ada.room.send('once', { attachments: [image], clientMsgId: 'retry-with-image-1' });
    expect(retried.seq).toBe(first.seq);
  });

  it('is shown only to signed-in users who may read its room', async () => {
    const site = await newSite();
    const ada = await member('ada', site);
    const image = await ada.chat.upload(await png());
    await ada.room.send('members only', { attachments: [image] });
    // no session: the visitor is told to sign in
    expect((await fetch(api(`uploads/${image.id}`, site))).status).toBe(401);
    // a guest (the lobby takes guests) may not read the members' room, so neither its images
    await parley.repositories.rooms.create(site, 'lobby', 'Lobby');
    await parley.repositories.rooms.update(site, 'lobby', { access: 'guests' });
    let guestToken: string | null = null;
    const guest = clients.track(createChatClient({ baseUrl: parley.url, site, storage: { get: () => guestToken, set: (t) => void (guestToken = t) } }));
    await guest.guest({ displayName: `Guest${randomBytes(3).toString('hex')}` });
    expect((await fetch(api(`uploads/${image.id}`, site), { headers: bearer(guestToken!) })).status).toBe(404);
    // the room opened to guests: now they may
    await parley.repositories.rooms.update(site, 'general', { access: 'guests' });
    expect((await fetch(api(`uploads/${image.id}`, site), { headers: bearer(guestToken!) })).status).toBe(200);
    // a session of another site is no session here
    const other = await member('other');
    expect((await fetch(api(`uploads/${image.id}`, site), { headers: bearer(other.token) })).status).toBe(401);
    expect((await fetch(api(`uploads/${image.id}`), { headers: bearer(other.token) })).status).toBe(404);
    // unknown and malformed ids alike
    expect((await fetch(api('uploads/0123456789abcdef01234567', site), { headers: bearer(ada.token) })).status).toBe(404);
    expect((await fetch(api('uploads/..%2F..%2Fsessions', site), { headers: bearer(ada.token) })).status).toBe(404);
  });

  it('is deleted with its message', async () => {
    const ada = await member('ada');
    const image = await ada.chat.upload(await png());
    const message = await ada.room.send('soon gone', { attachments: [image] });
    const chunksBefore = await storedChunks();
    const deleted = await ada.room.delete(message.seq);
    expect(deleted.attachments).toBeUndefined();
    expect((await fetch(api(`uploads/${image.id}`), { headers: bearer(ada.token) })).status).toBe(404);
    expect(await storedChunks()).toBe(chunksBefore - 2);
  });

  it('is swept an hour after upload when no stored message holds it; a sent one stays', async () => {
    const ada = await member('ada');
    const unsent = await ada.chat.upload(await png());
    const sent = await ada.chat.upload(await png());
    await ada.room.send('kept', { attachments: [sent] });
    expect(await sweepUploads(parley.repositories)).toBe(0);
    await sweepUploads(parley.repositories, Date.now() + UNATTACHED_TTL_MS + 1000);
    expect(await parley.repositories.uploads.find('demo', unsent.id)).toBeNull();
    expect(await parley.repositories.uploads.find('demo', sent.id)).not.toBeNull();
  });
});

describe('refused uploads store nothing and say why', () => {
  const cases: Array<[string, () => Promise<Buffer>, RegExp]> = [
    ['empty', async () => Buffer.alloc(0), /empty/],
    ['text', async () => Buffer.from('hello, not an image'), /not a PNG, JPEG, WebP or GIF/],
    ['an SVG (scripts inside)', async () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), /not a PNG/],
    ['a truncated PNG', async () => (await png(400, 300)).subarray(0, 200), /cut short/],
    ['a truncated JPEG', async () => (await jpegWithLocation()).subarray(0, 3000), /cut short/],
    ['a PNG with a page appended (polyglot)', async () => Buffer.concat([await png(), Buffer.from('<html><script>alert(1)</script></html>')]), /data after the image/],
    ['a JPEG with an archive appended (polyglot)', async () => Buffer.concat([await jpegWithLocation(), Buffer.from('PK\u0003\u0004payload')]), /data after the image/],
    ['a page behind a GIF signature (polyglot)', async () => Buffer.from('GIF89a/*<html><script>alert(1)</script></html>*/;'), /damaged/],
    ['a pixel bomb (7,000 × 6,000)', () => sharp({ create: { width: 7_000, height: 6_000, channels: 3, background: '#000' } }).png().toBuffer(), /million pixels/],
  ];

  it.each(cases)('%s', async (_name, bytes, message) => {
    const ada = await member('fuzz');
    const before = await stored();
    const response = await upload(ada.token, await bytes());
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorResponse).error).toMatchObject({ code: 'invalid_input', field: 'file', message: expect.stringMatching(message) });
    expect(await stored()).toEqual(before);
  });

  it('over the site limit (checked by the declared size and by what arrives), and none at all when the limit is 0', async () => {
    const site = await newSite();
    const ada = await member('ada', site);
    const settings = { access: 'members', postingRights: { links: 'guest', mentionEveryone: 'moderator' }, guestBanHours: 24, emailDigests: true, retentionDays: 0 } as const;
    await parley.repositories.sites.setSettings(site, { ...settings, uploadMaxMB: 1 });
    // noise stays large as a PNG
    const noise = randomBytes(700 * 700 * 3);
    const large = await sharp(noise, { raw: { width: 700, height: 700, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
    expect(large.length).toBeGreaterThan(1024 * 1024);
    const [uploadsBefore, chunksBefore] = await stored();
    const response = await upload(ada.token, large, { site });
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorResponse).error).toMatchObject({ code: 'invalid_input', field: 'file', message: 'the file is larger than 1 MB' });
    // streamed without a length: counted as it arrives
    const streamed = await fetch(api('uploads', site), {
      method: 'POST',
      headers: bearer(ada.token),
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(large);
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(400);
    expect(await stored()).toEqual([uploadsBefore, chunksBefore]);

    await parley.repositories.sites.setSettings(site, { ...settings, uploadMaxMB: 0 });
    const off = await upload(ada.token, await png(), { site });
    expect(off.status).toBe(403);
  });
});

describe('upload limits', () => {
  it('refuses past the uploads per user, with when to try again', async () => {
    const limited = await startTestServer({ RATE_LIMIT_UPLOADS_PER_USER: '2/3600' });
    try {
      let token: string | null = null;
      const chat = clients.track(createChatClient({ baseUrl: limited.url, site: 'demo', storage: { get: () => token, set: (value) => void (token = value) } }));
      await chat.register(newAccount('busy'));
      await chat.upload(await png());
      await chat.upload(await png());
      await expect(refusal(chat.upload(await png()))).resolves.toMatchObject({ code: 'rate_limited', retryAfterMs: expect.any(Number) });
    } finally {
      await limited.close();
    }
  });
});
