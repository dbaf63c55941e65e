import type { PresenceUser } from '../../../sdk';
import type { Parley } from '../../../server/main';
import { chatClients, waitUntil as until } from '../../helpers/chat';
import { startTestServer } from '../../helpers/server';

// Real time: "is typing" expires after 5 s, so these tests wait for it.
let parley: Parley;
const clients = chatClients(() => parley);
beforeAll(async () => {
  parley = await startTestServer();
});
afterAll(async () => {
  clients.closeAll();
  await parley.close();
});

async function member(prefix: string) {
  const joined = await clients.member(prefix);
  const updates: PresenceUser[][] = [];
  joined.room.on('typing', (users) => updates.push(users));
  return { ...joined, updates };
}

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
    const socket = await clients.rawSocket();
    expect(await socket.timeout(5_000).emitWithAck('typing:start', { roomId: 'general' })).toMatchObject({ error: { code: 'forbidden' } });
    socket.disconnect();
    expect(eve.updates).toEqual([]);
  });
});
