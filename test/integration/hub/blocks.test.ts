import { randomBytes } from 'node:crypto';
import { createChatClient, type Message, type PresenceUser } from '../../../sdk';
import type { Parley } from '../../../server/main';
import { chatClients, waitUntil } from '../../helpers/chat';
import { startTestServer } from '../../helpers/server';

// Blocking, over the real server and database: kept on the server, applied by the SDK.
let parley: Parley;
const clients = chatClients(() => parley);
beforeAll(async () => {
  parley = await startTestServer();
});
afterEach(() => clients.closeAll());
afterAll(() => parley.close());

/** Ada, Bob and Carol in a room of their own; Ada and Carol listen. */
async function room() {
  const roomId = `blk-${randomBytes(4).toString('hex')}`;
  const admin = await clients.admin('roomer');
  await admin.chat.createRoom({ id: roomId, name: 'Block room' });
  const join = async (prefix: string) => {
    const member = await clients.member(prefix);
    const joined = await member.chat.join(roomId);
    const heard: Message[] = [];
    joined.on('message', (message) => void heard.push(message));
    const typing: PresenceUser[][] = [];
    joined.on('typing', (users) => void typing.push(users));
    return { ...member, joined, heard, typing };
  };
  return { roomId, ada: await join('ada'), bob: await join('bob'), carol: await join('carol') };
}

describe('blocking a user', () => {
  it('hides their messages and typing from the blocker only, on every device and after signing in again, until unblocked', async () => {
    const { roomId, ada, bob, carol } = await room();
    const before = await bob.joined.send('before the block');
    await waitUntil(() => ada.heard.some((m) => m.seq === before.seq));

    await ada.chat.block(bob.user.id);
    expect(await ada.chat.blockedUsers()).toEqual([{ id: bob.user.id, displayName: bob.user.displayName }]);

    bob.joined.typing();
    await waitUntil(() => carol.typing.some((users) => users.some((u) => u.id === bob.user.id)));
    const hidden = await bob.joined.send('ada does not see this');
    const visible = await carol.joined.send('ada sees this');
    // one socket, one order: by the time Carol's later message reached Ada, Bob's typing and message had too
    await waitUntil(() => ada.heard.some((m) => m.seq === visible.seq));
    expect(ada.heard.map((m) => m.seq)).not.toContain(hidden.seq);
    expect(ada.typing.flat().some((u) => u.id === bob.user.id)).toBe(false);
    await waitUntil(() => carol.heard.some((m) => m.seq === hidden.seq));

    // another device of Ada's: signed in afresh, the block comes with her account
    const again = clients.track(createChatClient({ baseUrl: parley.url, site: 'demo' }));
    const user = await again.login(ada.account);
    expect(user.blocked).toEqual([bob.user.id]);
    const rejoined = await again.join(roomId);
    expect(rejoined.recent.map((m) => m.text)).toEqual(['ada sees this']);
    expect((await rejoined.history({ limit: 50 })).some((m) => m.author.id === bob.user.id)).toBe(false);

    await ada.chat.unblock(bob.user.id);
    expect(await ada.chat.blockedUsers()).toEqual([]);
    const after = await bob.joined.send('seen again');
    await waitUntil(() => ada.heard.some((m) => m.seq === after.seq));
  });

  it('refuses yourself, unknown users and malformed ids; blocking twice is once', async () => {
    const { ada, bob } = await room();
    await expect(ada.chat.block(ada.user.id)).rejects.toMatchObject({ code: 'forbidden', message: 'you cannot block yourself' });
    await expect(ada.chat.block('0123456789abcdef01234567')).rejects.toMatchObject({ code: 'not_found' });
    await expect(ada.chat.block('not an id')).rejects.toMatchObject({ code: 'invalid_input', field: 'userId' });
    await ada.chat.block(bob.user.id);
    await ada.chat.block(bob.user.id);
    expect(await ada.chat.blockedUsers()).toEqual([{ id: bob.user.id, displayName: bob.user.displayName }]);
    // the blocked user is not told, and still sees the blocker
    expect((await parley.repositories.users.findById('demo', bob.user.id))?.blocked).toBeUndefined();
  });
});
