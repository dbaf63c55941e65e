import { randomBytes } from 'node:crypto';
import type { ChatError, Message, Room } from '../../../sdk';
import type { UpdateResult } from '../../../sdk/protocol';
import { createSite } from '../../../server/db';
import type { Parley } from '../../../server/main';
import { ask, chatClients, cutOff, waitUntil } from '../../helpers/chat';
import { startTestServer } from '../../helpers/server';

// Reactions over the real server, database and sockets: message:react toggles one emoji of one user on a message,
// answered and broadcast (once per change) as the whole message, carried by history and catch-up.
let parley: Parley;
const clients = chatClients(() => parley);
const { member, admin } = clients;
beforeAll(async () => {
  parley = await startTestServer();
});
afterAll(async () => {
  clients.closeAll();
  await parley.close();
});

const updatesOf = (room: Room) => {
  const updates: Message[] = [];
  room.on('update', (m) => void updates.push(m));
  return updates;
};

const refusal = (promise: Promise<unknown>): Promise<ChatError> =>
  promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (error: unknown) => error as ChatError,
  );

const counts = (message: Message | undefined) => (message?.reactions ?? []).map(({ emoji, count }) => [emoji, count]);

describe('room.react(seq, emoji)', () => {
  it('adds your reaction, tells the room once, and takes it back when toggled again', async () => {
    const ada = await member('ada');
    const bob = await member('bob');
    const sent = await bob.room.send('react to me');
    const seen = updatesOf(bob.room);

    const reacted = await ada.room.react(sent.seq, '👍');
    expect(reacted).toMatchObject({ seq: sent.seq, text: 'react to me', reactions: [{ emoji: '👍', count: 1, userIds: [ada.user.id] }] });
    expect(ada.room.hasReacted(reacted, '👍')).toBe(true);
    expect(bob.room.hasReacted(reacted, '👍')).toBe(false);
    expect(ada.room.reactionsOf(reacted)).toEqual([{ emoji: '👍', count: 1, userIds: [ada.user.id], mine: true }]);
    expect(bob.room.reactionsOf(reacted)).toEqual([{ emoji: '👍', count: 1, userIds: [ada.user.id], mine: false }]);
    await waitUntil(() => seen.length === 1);
    expect(seen[0]).toEqual(reacted);

    const undone = await ada.room.react(sent.seq, '👍');
    expect(undone.reactions).toBeUndefined();
    await waitUntil(() => seen.length === 2);
    expect(seen[1]).toEqual(undone);
    // one broadcast per change, none more
    await bob.room.send('and a message after, so any late broadcast would be in by now');
    expect(seen).toHaveLength(2);
  });

  it('counts each emoji by who reacted, in the order first reacted, and stores a bare ❤ as ❤️', async () => {
    const ada = await member('ada');
    const bob = await member('bob');
    const sent = await ada.room.send('count us');
    await ada.room.react(sent.seq, '👍');
    await bob.room.react(sent.seq, '❤');
    await bob.room.react(sent.seq, '👍');
    const last = await bob.room.react(sent.seq, '👍🏽');
    expect(last.reactions).toEqual([
      { emoji: '👍', count: 2, userIds: [ada.user.id, bob.user.id] },
      { emoji: '❤️', count: 1, userIds: [bob.user.id] },
      { emoji: '👍🏽', count: 1, userIds: [bob.user.id] },
    ]);
    // the last one to take an emoji back removes it; added again, it comes last
    await bob.room.react(sent.seq, '❤️');
    const again = await ada.room.react(sent.seq, '❤️');
    expect(counts(again)).toEqual([
      ['👍', 2],
      ['👍🏽', 1],
      ['❤️', 1],
    ]);
  });

  it('counts two people (and ten) reacting at the same moment', async () => {
    const people = await Promise.all(Array.from({ length: 10 }, (_, i) => member(`fan${i}`)));
    const watcher = await member('watcher');
    const seen = updatesOf(watcher.room);
    const sent = await watcher.room.send('everyone at once');
    await Promise.all(people.map(({ room }) => room.react(sent.seq, '🎉')));
    await Promise.all(people.slice(0, 2).map(({ room }) => room.react(sent.seq, '🔥')));
    const [stored] = await watcher.room.history({ before: sent.seq + 1, limit: 1 });
    expect(counts(stored)).toEqual([
      ['🎉', 10],
      ['🔥', 2],
    ]);
    expect(new Set(stored!.reactions![0]!.userIds)).toEqual(new Set(people.map(({ user }) => user.id)));
    // one broadcast per change, and the last one heard is the whole truth
    await waitUntil(() => seen.length === 12);
    expect(seen.at(-1)).toEqual(stored);
  });

  it('takes at most 20 different emoji on a message (conflict), while the ones there still toggle', async () => {
    const ada = await member('ada');
    const bob = await member('bob');
    const sent = await ada.room.send('so many feelings');
    const twenty = ['😀', '😂', '😍', '😎', '🤔', '😢', '😡', '👍', '👎', '👏', '🙏', '🎉', '🔥', '💯', '❤️', '✅', '👀', '🚀', '🤝', '🥳'];
    for (const emoji of twenty.slice(0, 10)) await ada.room.react(sent.seq, emoji);
    for (const emoji of twenty.slice(10)) await bob.room.react(sent.seq, emoji);
    expect(await refusal(bob.room.react(sent.seq, '🍕'))).toMatchObject({ code: 'conflict', field: 'emoji' });
    const more = await bob.room.react(sent.seq, '😀');
    expect(more.reactions).toHaveLength(20);
    expect(more.reactions![0]).toMatchObject({ emoji: '😀', count: 2 });
    // one taken back for good makes room for another
    await ada.room.react(sent.seq, '😂');
    const pizza = await bob.room.react(sent.seq, '🍕');
    expect(pizza.reactions).toHaveLength(20);
    expect(pizza.reactions!.at(-1)).toMatchObject({ emoji: '🍕', count: 1 });
  });

  it.each([
    ['a word', 'yes'],
    ['two emoji', '👍👍'],
    ['an emoji and a space', '👍 '],
    ['markup', '<img src=x onerror=alert(1)>'],
    ['a digit', '1'],
    ['nothing', ''],
    ['a long string', '👍'.repeat(40)],
    ['a number', 128077],
  ])('refuses %s as an emoji with invalid_input, and changes nothing', async (_, emoji) => {
    const ada = await member('ada');
    const sent = await ada.room.send('pick one emoji');
    expect(await refusal(ada.room.react(sent.seq, emoji as string))).toMatchObject({ code: 'invalid_input', field: 'emoji' });
    const [stored] = await ada.room.history({ before: sent.seq + 1, limit: 1 });
    expect(stored?.reactions).toBeUndefined();
  });

  it('refuses a deleted message and an unknown one, and a tombstone shows no reactions', async () => {
    const ada = await member('ada');
    const bob = await member('bob');
    const sent = await ada.room.send('soon gone');
    await bob.room.react(sent.seq, '👋');
    const tombstone = await ada.room.delete(sent.seq);
    expect(tombstone.reactions).toBeUndefined();
    expect(await refusal(bob.room.react(sent.seq, '👍'))).toMatchObject({ code: 'forbidden' });
    expect(await refusal(bob.room.react(10_000_000, '👍'))).toMatchObject({ code: 'not_found' });
  });

  it('carries reactions in history, in a late joiner’s recent messages and in a catch-up after a drop', async () => {
    const ada = await member('ada');
    const reader = await member('reader');
    const sent = await ada.room.send('before the drop');
    await ada.room.react(sent.seq, '🌊');
    const late = await member('late');
    expect(counts(late.room.recent.find((m) => m.seq === sent.seq))).toEqual([['🌊', 1]]);
    const [paged] = await late.room.history({ before: sent.seq + 1, limit: 1 });
    expect(counts(paged)).toEqual([['🌊', 1]]);

    const received: Message[] = [];
    reader.room.on('message', (m) => void received.push(m));
    const statuses: string[] = [];
    reader.chat.on('status', (status) => void statuses.push(status));
    const network = cutOff(parley, reader.user.id);
    await waitUntil(() => statuses.includes('connecting'));
    const away = await ada.room.send('while you were away');
    await ada.room.react(away.seq, '🎈');
    network.reopen();
    await waitUntil(() => received.some((m) => m.seq === away.seq), 30_000);
    expect(counts(received.find((m) => m.seq === away.seq))).toEqual([['🎈', 1]]);
  });

  it('is refused to a muted member and in a paused room, but not to its moderators', async () => {
    const ada = await member('ada');
    const boss = await admin('boss');
    const sent = await boss.room.send('react if you can');
    await boss.room.mute(ada.user.id, { durationMs: 60_000 });
    expect(await refusal(ada.room.react(sent.seq, '👍'))).toMatchObject({ code: 'forbidden', reason: 'muted' });
    await boss.room.unmute(ada.user.id);
    await boss.chat.updateRoom('general', { paused: true });
    try {
      expect(await refusal(ada.room.react(sent.seq, '👍'))).toMatchObject({ code: 'forbidden', reason: 'paused' });
      expect(counts(await boss.room.react(sent.seq, '👍'))).toEqual([['👍', 1]]);
    } finally {
      await boss.chat.updateRoom('general', { paused: false });
    }
    expect(counts(await ada.room.react(sent.seq, '👍'))).toEqual([['👍', 2]]);
  });

  it('lets guests react where they may post, and neither guests nor readers in a read-only room', async () => {
    const id = `s-${randomBytes(4).toString('hex')}`;
    await createSite(parley.repositories, { id, name: 'Open site', allowedOrigins: [] });
    const keeper = await admin('keeper', id);
    await keeper.chat.updateSettings({ access: 'guests' });
    await keeper.chat.createRoom({ id: 'news', name: 'News' });
    await keeper.chat.updateRoom('news', { access: 'read-only' });
    const sent = await keeper.room.send('guests welcome');
    const news = await keeper.chat.join('news');
    const announcement = await news.send('read only');

    const guest = clients.client(id);
    await guest.guest({ displayName: `Guest ${randomBytes(3).toString('hex')}` });
    const general = await guest.join('general');
    expect(counts(await general.react(sent.seq, '👋'))).toEqual([['👋', 1]]);
    const guestNews = await guest.join('news');
    expect(await refusal(guestNews.react(announcement.seq, '👋'))).toMatchObject({ code: 'forbidden', reason: 'read-only' });

    const visitor = clients.client(id);
    const read = await visitor.join('news');
    expect(await refusal(read.react(announcement.seq, '👋'))).toMatchObject({ code: 'unauthorized' });
    const [stored] = await news.history({ before: announcement.seq + 1, limit: 1 });
    expect(stored?.reactions).toBeUndefined();
  });

  it('is limited per user: past the limit rate_limited with retryAfterMs, and nothing changes', async () => {
    const limited = await startTestServer({ RATE_LIMIT_REACTIONS_PER_USER: '3/60' });
    const local = chatClients(() => limited);
    try {
      const ada = await local.member('ada');
      const sent = await ada.room.send('slow down');
      for (const emoji of ['😀', '😂', '😍']) await ada.room.react(sent.seq, emoji);
      const refused = await refusal(ada.room.react(sent.seq, '😎'));
      expect(refused).toMatchObject({ code: 'rate_limited' });
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      // another user has limits of their own
      const bob = await local.member('bob');
      const fine = await bob.room.react(sent.seq, '😎');
      expect(counts(fine)).toEqual([
        ['😀', 1],
        ['😂', 1],
        ['😍', 1],
        ['😎', 1],
      ]);
      expect(fine.reactions![3]!.userIds).toEqual([bob.user.id]);
    } finally {
      local.closeAll();
      await limited.close();
    }
  });

  it("stays within its site: another site's user reacting at the same room and seq touches their own site's message", async () => {
    const ada = await member('ada');
    const sent = await ada.room.send('demo only');
    const id = `s-${randomBytes(4).toString('hex')}`;
    await createSite(parley.repositories, { id, name: 'Elsewhere', allowedOrigins: [] });
    const raw = await clients.rawSocket(id);
    try {
      await ask(raw, 'room:join', { roomId: 'general' });
      const answer = (await raw.timeout(10_000).emitWithAck('message:react', { roomId: 'general', seq: sent.seq, emoji: '👍' })) as { error?: { code: string } } & Partial<UpdateResult>;
      expect(answer.error).toMatchObject({ code: 'not_found' });
      const [stored] = await ada.room.history({ before: sent.seq + 1, limit: 1 });
      expect(stored?.reactions).toBeUndefined();
      // and a room not joined is refused before anything is read
      const notJoined = (await raw.timeout(10_000).emitWithAck('message:react', { roomId: 'other', seq: 1, emoji: '👍' })) as { error?: { code: string } };
      expect(notJoined.error).toBeDefined();
    } finally {
      raw.disconnect();
    }
  });
});
