import type { Message } from '../../../sdk';
import { createSite } from '../../../server/db';
import type { Parley } from '../../../server/main';
import { chatClients } from '../../helpers/chat';
import { newAccount, startTestServer } from '../../helpers/server';

// Every user, session, room, message and socket is scoped by site: two sites with the same room id share nothing.
let parley: Parley;
const clients = chatClients(() => parley);
const member = (site: string, prefix: string) => clients.member(prefix, site);
beforeAll(async () => {
  parley = await startTestServer();
  await createSite(parley.repositories, { id: 'site-a', name: 'A', allowedOrigins: [] });
  await createSite(parley.repositories, { id: 'site-b', name: 'B', allowedOrigins: [] });
});
afterAll(async () => {
  clients.closeAll();
  await parley.close();
});

describe('site scoping', () => {
  it('keeps messages, history and presence of room "general" apart between two sites', async () => {
    const a = await member('site-a', 'alice');
    const b = await member('site-b', 'bob');
    const seenByB: Message[] = [];
    b.room.on('message', (m) => seenByB.push(m));

    const sent = await a.room.send('only for site A');
    await new Promise((r) => setTimeout(r, 300));
    expect(seenByB).toEqual([]);
    expect((await b.room.history()).map((m) => m.text)).not.toContain('only for site A');
    expect(b.room.online.map((u) => u.id)).not.toContain(a.user.id);
    expect(a.room.online.map((u) => u.id)).not.toContain(b.user.id);
    expect(sent.seq).toBe(1); // site B's general has its own seq
  });

  it('does not let a session of site A sign in, read or connect as site B', async () => {
    const a = await member('site-a', 'anna');
    const intruder = clients.client('site-b');
    await expect(intruder.login({ username: a.account.username, password: a.account.password })).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('refuses payloads that name another site, whatever field they use', async () => {
    const socket = await clients.rawSocket('site-a');
    for (const payload of [
      { roomId: 'general', siteId: 'site-b' },
      { roomId: 'general', site: 'site-b' },
      { roomId: { $ne: '' } },
      { roomId: 'site:site-b:room:general' },
    ]) {
      const ack = await socket.timeout(5000).emitWithAck('room:join', payload);
      expect(ack).toMatchObject({ error: { code: 'invalid_input' } });
    }
    socket.disconnect();
  });

  it('allows the same username in two sites', async () => {
    const account = newAccount('twin');
    for (const site of ['site-a', 'site-b']) {
      const chat = clients.client(site);
      await expect(chat.register(account)).resolves.toMatchObject({ username: account.username });
    }
  });
});
