import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChatError, Message, PrePublishCall } from '../../../sdk';
import type { Ack, SendResult } from '../../../sdk/protocol';
import { createSite } from '../../../server/db';
import type { Parley } from '../../../server/main';
import { verify } from '../../../server/signing';
import { chatClients, connectAs, waitUntil } from '../../helpers/chat';
import { startTestServer } from '../../helpers/server';

// A site's pre-publish hook against a real receiver on loopback (node:http) that checks the signature and answers
// as each test says: allow, deny, replace, too slow, down, hostile. Nothing is mocked; the slow receiver holds its
// answer until the test lets it go, so no timing decides a result.
let parley: Parley;
const clients = chatClients(() => parley);
let receiver: Server;
let receiverUrl: string;
/** What the receiver does with the next calls; it records every call, with whether its signature verified. */
let answer: (call: PrePublishCall, response: ServerResponse) => void = (_call, response) => json(response, { action: 'allow' });
let secret = '';
const calls: Array<{ call: PrePublishCall; signed: boolean }> = [];

const json = (response: ServerResponse, body: unknown, status = 200) => {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
};

beforeAll(async () => {
  parley = await startTestServer();
  receiver = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const call = JSON.parse(body) as PrePublishCall;
      calls.push({ call, signed: verify(secret, request.headers['parley-signature'] as string | undefined, body) });
      answer(call, response);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/check`;
});
afterEach(() => {
  clients.closeAll();
  calls.length = 0;
  answer = (_call, response) => json(response, { action: 'allow' });
});
afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
  await parley.close();
});

/** A site of its own with the hook set, its admin and a member, both in `general`. */
async function siteWithHook(options: { failOpen?: boolean; timeoutMs?: number; url?: string } = {}) {
  const id = `h-${randomBytes(4).toString('hex')}`;
  await createSite(parley.repositories, { id, name: 'Hooked', allowedOrigins: [] });
  const admin = await clients.admin('owner', id);
  const { hook, secret: issued } = await admin.chat.setPrePublishHook({ url: options.url ?? receiverUrl, timeoutMs: options.timeoutMs ?? 2_000, failOpen: options.failOpen ?? true });
  expect(hook).toEqual({ url: options.url ?? receiverUrl, timeoutMs: options.timeoutMs ?? 2_000, failOpen: options.failOpen ?? true });
  expect(issued).toMatch(/^pps_[0-9a-f]{64}$/);
  secret = issued!;
  const member = await clients.member('poster', id);
  const heard: Message[] = [];
  admin.room.on('message', (message) => void heard.push(message));
  return { id, admin, member, heard };
}

const refusal = (promise: Promise<unknown>): Promise<ChatError> =>
  promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (error: unknown) => error as ChatError,
  );

const storedTexts = async (siteId: string) => (await parley.repositories.messages.before(siteId, 'general', undefined, 50)).map((message) => message.text).reverse();

describe('the pre-publish hook', () => {
  it('is asked, signed, before a message is stored, and lets it through on allow', async () => {
    const { id, member, heard } = await siteWithHook();
    const sent = await member.room.send('hello, hook');
    expect(sent.text).toBe('hello, hook');
    await waitUntil(() => heard.length === 1);
    expect(calls).toEqual([
      {
        signed: true,
        call: {
          type: 'message.pre-publish',
          site: id,
          room: 'general',
          author: { id: member.user.id, displayName: member.user.displayName, role: 'member' },
          text: 'hello, hook',
          sentAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        },
      },
    ]);
  });

  it('refuses on deny, with the reason, storing and announcing nothing', async () => {
    const { id, member, heard, admin } = await siteWithHook();
    answer = (_call, response) => json(response, { action: 'deny', reason: 'no selling here' });
    const error = await refusal(member.room.send('buy my stuff'));
    expect(error).toMatchObject({ code: 'forbidden', reason: 'hook', message: 'no selling here' });
    answer = (_call, response) => json(response, { action: 'allow' });
    // the refused message took no seq: the next one is the room's first
    expect((await admin.room.send('after the refusal')).seq).toBe(1);
    await waitUntil(() => calls.length === 2);
    expect(await storedTexts(id)).toEqual(['after the refusal']);
    expect(heard.filter((message) => message.author.id === member.user.id)).toEqual([]);
  });

  it('stores and announces the replacement text, for new messages and edits', async () => {
    const { id, member, heard } = await siteWithHook();
    answer = (call, response) => json(response, { action: 'replace', text: call.text.replace(/darn/g, 'd**n') });
    const sent = await member.room.send('darn it');
    expect(sent.text).toBe('d**n it');
    await waitUntil(() => heard.length === 1);
    expect(heard[0]!.text).toBe('d**n it');
    const edited = await member.room.edit(sent.seq, 'darn again');
    expect(edited.text).toBe('d**n again');
    expect(calls.at(-1)!.call).toMatchObject({ seq: sent.seq, text: 'darn again' });
    expect(await storedTexts(id)).toEqual(['d**n again']);
  });

  it('is not asked again for a send already stored: a retry is answered with the stored message', async () => {
    const { id, member } = await siteWithHook();
    const clientMsgId = 'b7e0c1d2-3f4a-4b5c-8d6e-7f8091a2b3c4';
    const sent = await member.room.send('only once', { clientMsgId });
    expect(calls).toHaveLength(1);
    answer = (_call, response) => json(response, { action: 'deny', reason: 'changed my mind' });
    const socket = await connectAs(parley.url, member.account, { site: id });
    try {
      await socket.timeout(5000).emitWithAck('room:join', { roomId: 'general' });
      // marked as a retry: looked up first, the hook hears nothing
      const retried = (await socket.timeout(5000).emitWithAck('message:send', { roomId: 'general', text: 'only once', clientMsgId, retry: true })) as Ack<SendResult>;
      expect(retried).toEqual({ ok: true, message: sent });
      expect(calls).toHaveLength(1);
      // sent again unmarked: the hook may be asked, but its refusal does not undo what is stored
      const again = (await socket.timeout(5000).emitWithAck('message:send', { roomId: 'general', text: 'only once', clientMsgId })) as Ack<SendResult>;
      expect(again).toEqual({ ok: true, message: sent });
    } finally {
      socket.disconnect();
    }
    expect(await storedTexts(id)).toEqual(['only once']);
  });

  it('times out: a slow hook lets the message through when the site fails open, refuses it when closed', async () => {
    const held: ServerResponse[] = [];
    answer = (_call, response) => void held.push(response);
    try {
      const open = await siteWithHook({ timeoutMs: 300, failOpen: true });
      expect((await open.member.room.send('through anyway')).text).toBe('through anyway');
      const closed = await siteWithHook({ timeoutMs: 300, failOpen: false });
      expect(await refusal(closed.member.room.send('held back'))).toMatchObject({ code: 'unavailable', reason: 'hook' });
      expect(await storedTexts(closed.id)).toEqual([]);
      expect(held).toHaveLength(2);
    } finally {
      for (const response of held) json(response, { action: 'allow' });
    }
  });

  it('fails the same way when the hook is down', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const url = `http://127.0.0.1:${closedPort}/check`;
    const open = await siteWithHook({ url, failOpen: true });
    expect((await open.member.room.send('nobody home')).text).toBe('nobody home');
    const closed = await siteWithHook({ url, failOpen: false });
    expect(await refusal(closed.member.room.send('nobody home'))).toMatchObject({ code: 'unavailable', reason: 'hook' });
  });

  it('takes no answer from a hostile hook: bad JSON, a huge body, a redirect, an error status, a wrong shape, too long a text', async () => {
    const { id, member } = await siteWithHook({ failOpen: false });
    const hostile: Array<(response: ServerResponse) => void> = [
      (response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"action": "allow"');
      },
      (response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        // 1 MB and more, as fast as the socket takes it
        const chunk = 'a'.repeat(64 * 1024);
        const pump = () => {
          while (!response.destroyed && response.write(chunk));
          if (!response.destroyed) response.once('drain', pump);
        };
        pump();
      },
      (response) => {
        response.writeHead(302, { location: 'http://127.0.0.1:1/' });
        response.end();
      },
      (response) => json(response, { action: 'allow' }, 500),
      (response) => json(response, { action: 'publish-everything' }),
      (response) => json(response, { action: 'replace', text: 'x'.repeat(5_000) }),
    ];
    for (const [index, respond] of hostile.entries()) {
      answer = (_call, response) => respond(response);
      expect(await refusal(member.room.send(`attempt ${index}`))).toMatchObject({ code: 'unavailable', reason: 'hook' });
    }
    expect(await storedTexts(id)).toEqual([]);
    // and it is still up and asking
    answer = (_call, response) => json(response, { action: 'allow' });
    expect((await member.room.send('fine now')).text).toBe('fine now');
    const metrics = await (await fetch(`${parley.url}/metrics`)).text();
    expect(metrics).toMatch(/parley_pre_publish_total\{outcome="failed-closed"\} ([6-9]|\d\d)/);
  });

  it('is set, read without its secret, rotated and removed by admins only, each change logged', async () => {
    const { admin, member } = await siteWithHook();
    expect(await admin.chat.prePublishHook()).toEqual({ url: receiverUrl, timeoutMs: 2_000, failOpen: true });
    // changed without rotating: no secret in the answer, the old one still signs
    expect(await admin.chat.setPrePublishHook({ url: receiverUrl, failOpen: false })).toEqual({ hook: { url: receiverUrl, timeoutMs: 2_000, failOpen: false } });
    await member.room.send('signed with the first secret');
    expect(calls.at(-1)!.signed).toBe(true);
    const rotated = await admin.chat.setPrePublishHook({ url: receiverUrl, rotateSecret: true });
    expect(rotated.secret).toMatch(/^pps_/);
    expect(rotated.secret).not.toBe(secret);
    await member.room.send('signed with the new secret');
    expect(calls.at(-1)!.signed).toBe(false);
    secret = rotated.secret!;
    await member.room.send('verified again');
    expect(calls.at(-1)!.signed).toBe(true);

    expect(await refusal(member.chat.setPrePublishHook({ url: receiverUrl }))).toMatchObject({ code: 'forbidden' });
    expect(await refusal(member.chat.prePublishHook())).toMatchObject({ code: 'forbidden' });
    for (const [change, field] of [
      [{ url: 'ftp://example.com/' }, 'url'],
      [{ url: 'https://user:pw@example.com/' }, 'url'],
      [{ url: 'not a url' }, 'url'],
      [{ url: receiverUrl, timeoutMs: 50 }, 'timeoutMs'],
      [{ url: receiverUrl, timeoutMs: 60_000 }, 'timeoutMs'],
    ] as const) {
      expect(await refusal(admin.chat.setPrePublishHook(change))).toMatchObject({ code: 'invalid_input', field });
    }

    await admin.chat.removePrePublishHook();
    expect(await admin.chat.prePublishHook()).toBeNull();
    const before = calls.length;
    await member.room.send('no hook now');
    expect(calls).toHaveLength(before);
    const log = (await admin.chat.moderationLog()).filter((entry) => entry.action === 'site.pre-publish').map((entry) => entry.reason);
    expect(log).toEqual(['removed', `${receiverUrl}, 2000 ms, fail closed, new secret`, `${receiverUrl}, 2000 ms, fail closed`, `${receiverUrl}, 2000 ms, fail open, new secret`]);
  });
});

describe('the pre-publish hook on a server that keeps hooks off private networks (the default)', () => {
  it('refuses plain http, and never connects to a private address', async () => {
    const guarded = await startTestServer({ HOOKS_ALLOW_PRIVATE: 'false' });
    const guardedClients = chatClients(() => guarded);
    try {
      const admin = await guardedClients.admin('guard');
      expect(await refusal(admin.chat.setPrePublishHook({ url: receiverUrl }))).toMatchObject({ code: 'invalid_input', field: 'url', message: 'url must be https' });
      // written past the API's check, as a hook whose name later resolves to a private address would be: the
      // connection itself is refused, so the receiver, which answers anything, hears nothing
      await guarded.repositories.sites.setPrePublish('demo', { url: receiverUrl, timeoutMs: 2_000, failOpen: false }, false);
      expect(await refusal(admin.room.send('to a private address?'))).toMatchObject({ code: 'unavailable', reason: 'hook' });
      expect(calls).toEqual([]);
    } finally {
      guardedClients.closeAll();
      await guarded.close();
    }
  });
});
