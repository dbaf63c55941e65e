import { ChatError, type Message } from '../../../sdk';
import type { Parley } from '../../../server/main';
import { chatClients, waitUntil } from '../../helpers/chat';
import { startTestServer } from '../../helpers/server';

let parley: Parley;
const { member, admin, closeAll } = chatClients(() => parley);
beforeAll(async () => {
  parley = await startTestServer();
});
afterAll(async () => {
  closeAll();
  await parley.close();
});

const updatesOf = (room: { on(event: 'update', listener: (m: Message) => void): () => void }) => {
  const updates: Message[] = [];
  room.on('update', (m) => updates.push(m));
  return updates;
};

describe('room.edit(seq, text)', () => {
  it('replaces the text of your message, marks it edited and tells the room', async () => {
    const ada = await member('ada');
    const bob = await member('bob');
    const seen = updatesOf(bob.room);
    const sent = await ada.room.send('helo');
    const edited = await ada.room.edit(sent.seq, '  hello  ');
    expect(edited).toMatchObject({ seq: sent.seq, id: sent.id, text: 'hello', editedAt: expect.any(String) });
    await waitUntil(() => seen.length === 1);
    expect(seen[0]).toEqual(edited);
    const [stored] = await bob.room.history({ before: sent.seq + 1, limit: 1 });
    expect(stored).toEqual(edited);
  });

  it("refuses to edit someone else's message, and an admin's too", async () => {
    const ada = await member('ada');
    const boss = await admin('boss');
    const sent = await ada.room.send('mine');
    await expect(boss.room.edit(sent.seq, 'theirs')).rejects.toMatchObject({ code: 'forbidden' });
    const [stored] = await ada.room.history({ before: sent.seq + 1, limit: 1 });
    expect(stored?.text).toBe('mine');
  });

  it('applies the text rules of a send, and names an unknown seq', async () => {
    const ada = await member('ada');
    const sent = await ada.room.send('short');
    await expect(ada.room.edit(sent.seq, 'x'.repeat(4001))).rejects.toMatchObject({ code: 'invalid_input', field: 'text' });
    await expect(ada.room.edit(sent.seq, '   ')).rejects.toMatchObject({ code: 'invalid_input', field: 'text' });
    await expect(ada.room.edit(10_000_000, 'nothing there')).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('room.delete(seq)', () => {
  it('turns your message into a tombstone that keeps its seq, in history and for a late joiner', async () => {
    const ada = await member('ada');
    const bob = await member('bob');
    const seen = updatesOf(bob.room);
    const before = await ada.room.send('before');
    const doomed = await ada.room.send('regrettable');
    const after = await ada.room.send('after');

    const tombstone = await ada.room.delete(doomed.seq);
    expect(tombstone).toMatchObject({ seq: doomed.seq, text: '', deletedAt: expect.any(String), author: doomed.author });
    await waitUntil(() => seen.length === 1);
    expect(seen[0]).toEqual(tombstone);

    const page = await bob.room.history({ before: after.seq + 1, limit: 3 });
    expect(page.map((m) => m.seq)).toEqual([after.seq, doomed.seq, before.seq]);
    expect(page[1]).toEqual(tombstone);
    // a late joiner's recent messages are gap-free too
    const late = await member('late');
    const seqs = late.room.recent.map((m) => m.seq);
    expect(seqs.slice(-3)).toEqual([before.seq, doomed.seq, after.seq]);
    expect(late.room.recent.find((m) => m.seq === doomed.seq)?.text).toBe('');
  });

  it("lets a member delete only their own messages, and cannot edit a deleted one", async () => {
    const ada = await member('ada');
    const bob = await member('bob');
    const sent = await ada.room.send('keep me');
    const error = await bob.room.delete(sent.seq).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChatError);
    expect(error).toMatchObject({ code: 'forbidden', message: 'you can only delete your own messages' });

    await ada.room.delete(sent.seq);
    await expect(ada.room.edit(sent.seq, 'back again')).rejects.toMatchObject({ code: 'forbidden' });
    // deleting twice is not an error: the tombstone stays as it is
    await expect(ada.room.delete(sent.seq)).resolves.toMatchObject({ seq: sent.seq, text: '' });
  });

  it("lets an admin delete anyone's message, and logs it", async () => {
    const ada = await member('ada');
    const boss = await admin('boss');
    const sent = await ada.room.send('rude words');
    const seen = updatesOf(ada.room);
    await boss.room.delete(sent.seq);
    await waitUntil(() => seen.length === 1);
    expect(seen[0]).toMatchObject({ seq: sent.seq, text: '', deletedAt: expect.any(String) });

    const [entry] = await boss.chat.moderationLog({ limit: 1 });
    expect(entry).toMatchObject({
      action: 'message.delete',
      actor: { id: boss.user.id, displayName: boss.user.displayName },
      roomId: 'general',
      seq: sent.seq,
      targetUserId: ada.user.id,
      createdAt: expect.any(String),
    });
  });
});
