import { createChatClient, type ChatClient, type PresenceUser } from '../../../sdk';
import type { Parley } from '../../../server/main';
import { newAccount, startTestServer } from '../../helpers/server';

// Real time: "is typing" expires after 5 s, so these tests wait for it.
let parley: Parley;
const clients: ChatClient[] = [];
beforeAll(async () => {
  parley = await startTestServer();
});
afterAll(async () => {
  for (const client of clients) client.close();
  await parley.close();
});

async function member(prefix: string) {
  const chat = createChatClient({ baseUrl: parley.url, site: 'demo' });
  clients.push(chat);
  const user = await chat.register(newAccount(prefix));
  const room = await chat.join('general');
  const updates: PresenceUser[][] = [];
  room.on('typing', (users) => updates.push(users));
  return { chat, user, room, updates };
}

const until = async (test: () => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe('room.typing()', () => {
  it('shows the others "Ada is typing" until 5 s pass, and sends at most one signal per 2 s', async () => {
    const ada = await member('ada');
    const bob = await member('bob');
    const started = Date.now();
    for (let i = 0; i < 10; i++) ada.room.typing(); // a burst of keystrokes
    await until(() => bob.updates.length === 1);
    expect(bob.updates[0]).toEqual([{ id: ada.user.id, displayName: ada.user.displayName }]);
    expect(ada.updates).toEqual([]); // not echoed to the typist

    await until(() => bob.updates.length === 2, 8_000);
    expect(bob.updates[1]).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_900);
  }, 20_000);

  it('clears "is typing" as soon as that user\'s message arrives', async () => {
    const ada = await member('ada');
    const bob = await member('bob');
    ada.room.typing();
    await until(() => bob.updates.at(-1)?.some((u) => u.id === ada.user.id) === true);
    await ada.room.send('done typing');
    await until(() => bob.updates.at(-1)?.length === 0, 2_000);
  }, 20_000);

  it('refuses a typing signal for a room the socket has not joined', async () => {
    const eve = await member('eve');
    // the SDK only signals joined rooms; the server checks membership itself
    const { io } = await import('socket.io-client');
    let token: string | null = null;
    const chat = createChatClient({ baseUrl: parley.url, site: 'demo', storage: { get: () => token, set: (t) => void (token = t) } });
    clients.push(chat);
    await chat.register(newAccount('raw'));
    const socket = io(parley.url, { auth: { site: 'demo', token }, transports: ['websocket'] });
    await new Promise((resolve) => socket.on('connect', () => resolve(undefined)));
    expect(await socket.timeout(5_000).emitWithAck('typing:start', { roomId: 'general' })).toMatchObject({ error: { code: 'forbidden' } });
    socket.disconnect();
    expect(eve.updates).toEqual([]);
  });
});
