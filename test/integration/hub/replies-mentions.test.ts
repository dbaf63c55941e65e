import type { ChatError, Message, Room } from '../../../sdk';
import { followOriginal } from '../../../sdk';
import type { Parley } from '../../../server/main';
import { ask, chatClients, cutOff, waitUntil } from '../../helpers/chat';
import { startTestServer } from '../../helpers/server';

// Replies and mentions over the real server, database and sockets: a reply shows its original as it is when read
// (edited, deleted, hidden), mentions are stored as user ids, and the SDK tells the mentioned user once.
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

const refusal = (promise: Promise<unknown>): Promise<ChatError> =>
  promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (error: unknown) => error as ChatError,
  );

const listen = (room: Room, event: 'message' | 'mention' | 'update') => {
  const heard: Message[] = [];
  room.on(event, (m) => void heard.push(m));
  return heard;
};

describe('replies', () => {
  it('carry the original: its author and first line, live, in history and after a join', async () => {
    const ada = await member('ada');
    const bob = await member('bob');
    const heard = listen(bob.room, 'message');
    const original = await ada.room.send('Where is the ferry?\nI looked everywhere');
    const reply = await bob.room.send('At pier 4', { replyTo: original.seq });
    const replyTo = { seq: original.seq, author: { id: ada.user.id, displayName: ada.user.displayName }, excerpt: 'Where is the ferry?…' };
    expect(reply.replyTo).toEqual(replyTo);
    const live = listen(ada.room, 'message');
    const second = await bob.room.send('Still there', { replyTo: original.seq });
    await waitUntil(() => live.some((m) => m.seq === second.seq));
    expect(live.find((m) => m.seq === second.seq)?.replyTo).toEqual(replyTo);
    expect((await ada.room.history({ limit: 5 })).find((m) => m.seq === reply.seq)?.replyTo).toEqual(replyTo);
    // a reply to a reply names its own original
    const third = await ada.room.send('thanks', { replyTo: reply.seq });
    expect(third.replyTo).toMatchObject({ seq: reply.seq, excerpt: 'At pier 4' });
    expect(heard.length).toBeGreaterThan(0);
  });

  it('show the original as it is now: edited, deleted, hidden (never its text), in history, joins and the SDK helper', async () => {
    const ada = await member('ada');
    const bob = await member('bob');
    const original = await ada.room.send('first words');
    // enough messages between them that the original is not in a page of the newest few
    const reply = await bob.room.send('answer', { replyTo: original.seq });
    for (let i = 0; i < 3; i++) await bob.room.send(`filler ${i}`);
    const page = async () => (await bob.room.history({ limit: 4 })).find((m) => m.seq === reply.seq)?.replyTo;

    const updates = listen(bob.room, 'update');
    await ada.room.edit(original.seq, 'better words');
    expect(await page()).toMatchObject({ excerpt: 'better words' });

    await parley.repositories.messages.hide('demo', 'general', original.seq);
    expect(await page()).toEqual({ seq: original.seq, author: { id: ada.user.id, displayName: ada.user.displayName }, excerpt: '', hidden: true });
    await parley.repositories.messages.unhide('demo', 'general', original.seq);

    await ada.room.delete(original.seq);
    expect(await page()).toEqual({ seq: original.seq, author: { id: ada.user.id, displayName: ada.user.displayName }, excerpt: '', deleted: true });
    // a new join reads its page the same way
    const carol = await member('carol');
    const joined = await carol.chat.join('general');
    expect(joined.recent.find((m) => m.seq === reply.seq)?.replyTo).toMatchObject({ deleted: true, excerpt: '' });

    // what a client shows already follows the original's updates
    await waitUntil(() => updates.some((m) => m.seq === original.seq && m.deletedAt !== undefined));
    const tombstone = updates.find((m) => m.seq === original.seq && m.deletedAt)!;
    const [shown] = followOriginal([reply], tombstone);
    expect(shown!.replyTo).toMatchObject({ deleted: true, excerpt: '' });
    const edited = updates.find((m) => m.seq === original.seq && m.editedAt && !m.deletedAt)!;
    expect(followOriginal([reply], edited)[0]!.replyTo).toMatchObject({ excerpt: 'better words' });
    expect(followOriginal([reply], { ...reply, seq: reply.seq + 1000 })).toEqual([reply]);
  });

  it('are refused to a missing, deleted or hidden message, with nothing stored', async () => {
    const ada = await member('ada');
    const gone = await ada.room.send('to be deleted');
    await ada.room.delete(gone.seq);
    const hidden = await ada.room.send('to be hidden');
    await parley.repositories.messages.hide('demo', 'general', hidden.seq);
    const before = (await parley.repositories.rooms.find('demo', 'general'))!.lastSeq;
    expect(await refusal(ada.room.send('to nothing', { replyTo: before + 100 }))).toMatchObject({ code: 'not_found' });
    expect(await refusal(ada.room.send('to a tombstone', { replyTo: gone.seq }))).toMatchObject({ code: 'forbidden' });
    expect(await refusal(ada.room.send('to a hidden one', { replyTo: hidden.seq }))).toMatchObject({ code: 'forbidden' });
    expect((await parley.repositories.rooms.find('demo', 'general'))!.lastSeq).toBe(before);
  });
});

describe('mentions', () => {
  it('are stored as user ids, and the SDK tells the mentioned user once, live and after a catch-up', async () => {
    const ada = await member('ada');
    const bob = await member('bob');
    const carol = await member('carol');
    const bobHeard = listen(bob.room, 'mention');
    const carolHeard = listen(carol.room, 'mention');
    const sent = await ada.room.send(`@${bob.user.displayName} look`, { mentions: [bob.user.id, bob.user.id] });
    expect(sent.mentions).toEqual([bob.user.id]);
    await waitUntil(() => bobHeard.length === 1);
    expect(bobHeard[0]!.seq).toBe(sent.seq);
    expect(bob.room.mentionsMe(sent)).toBe(true);
    expect(carol.room.mentionsMe(sent)).toBe(false);
    // the author is not told of their own mention of themselves
    const self = listen(ada.room, 'mention');
    await ada.room.send('note to self', { mentions: [ada.user.id] });

    // stored as ids: what a name change cannot break
    expect((await ada.room.history({ limit: 5 })).find((m) => m.seq === sent.seq)?.mentions).toEqual([bob.user.id]);

    // a mention while bob is away arrives with the catch-up, and is told once
    const network = cutOff(parley, bob.user.id);
    const statuses: string[] = [];
    bob.chat.on('status', (status) => void statuses.push(status));
    await waitUntil(() => statuses.includes('connecting'));
    const away = await ada.room.send('while you were out', { mentions: [bob.user.id] });
    network.reopen();
    await waitUntil(() => bobHeard.some((m) => m.seq === away.seq), 30_000);
    expect(bobHeard.filter((m) => m.seq === away.seq)).toHaveLength(1);
    expect(carolHeard).toEqual([]);
    expect(self).toEqual([]);
  });

  it('refuses ids that are not users of the site, and too many; @here only for the ranks the site allows', async () => {
    const ada = await member('ada');
    const boss = await admin('boss');
    const socket = await clients.rawSocket();
    await ask(socket, 'room:join', { roomId: 'general' });
    const before = (await parley.repositories.rooms.find('demo', 'general'))!.lastSeq;
    const send = (extra: object) =>
      socket.timeout(10_000).emitWithAck('message:send', { roomId: 'general', text: 'hi', clientMsgId: crypto.randomUUID(), ...extra }) as Promise<{ error?: { code: string; field?: string } }>;
    expect((await send({ mentions: ['not-a-user'] })).error).toMatchObject({ code: 'invalid_input', field: 'mentions' });
    expect((await send({ mentions: Array.from({ length: 21 }, (_, i) => `user${i}`) })).error).toMatchObject({ code: 'invalid_input', field: 'mentions' });
    expect((await send({ mentions: 'everyone' })).error).toMatchObject({ code: 'invalid_input', field: 'mentions' });
    expect((await send({ replyTo: 0 })).error).toMatchObject({ code: 'invalid_input', field: 'replyTo' });
    expect((await parley.repositories.rooms.find('demo', 'general'))!.lastSeq).toBe(before);
    socket.close();

    // members may not mention everyone (the site's default posting rights); an admin may, and it is stored as 'here'
    expect(await refusal(ada.room.send('@here lunch?'))).toMatchObject({ code: 'forbidden', reason: 'mention-everyone' });
    const heard = listen(ada.room, 'mention');
    const everyone = await boss.room.send('@here the ferry is leaving');
    expect(everyone.mentions).toEqual(['here']);
    await waitUntil(() => heard.some((m) => m.seq === everyone.seq));
    expect(ada.room.mentionsMe(everyone)).toBe(true);
  });

  it('suggests people to mention: online first, then recent authors, by name prefix, never yourself', async () => {
    const ada = await member('zed-ada');
    const bob = await member('zed-bob');
    await bob.room.send('I was here');
    const names = (prefix: string) => ada.room.mentionCandidates(prefix).map((user) => user.id);
    await waitUntil(() => ada.room.online.some((user) => user.id === bob.user.id));
    expect(names(bob.user.displayName.slice(0, 6))).toContain(bob.user.id);
    expect(names(ada.user.displayName)).not.toContain(ada.user.id);
    expect(ada.room.mentionCandidates('')).toHaveLength(Math.min(8, ada.room.mentionCandidates('').length));
    expect(names(bob.user.displayName.toUpperCase())).toEqual([bob.user.id]);
  });
});
