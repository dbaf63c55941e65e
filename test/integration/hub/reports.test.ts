import { randomBytes } from 'node:crypto';
import type { Message } from '../../../sdk';
import type { Parley } from '../../../server/main';
import { chatClients, waitUntil } from '../../helpers/chat';
import { startTestServer } from '../../helpers/server';

// Reports, the queue and its resolutions, over the real server and database. Each test has a room of its own.
let parley: Parley;
const clients = chatClients(() => parley);
beforeAll(async () => {
  parley = await startTestServer();
});
afterEach(() => clients.closeAll());
afterAll(() => parley.close());

/** A new room with an admin, an author of one message, and `reporters` more members, everyone in it and listening. */
async function room(reporters = 3) {
  const admin = await clients.admin('moderator');
  const roomId = `rep-${randomBytes(4).toString('hex')}`;
  await admin.chat.createRoom({ id: roomId, name: 'Reported room' });
  const adminRoom = await admin.chat.join(roomId);
  const author = await clients.member('author');
  const authorRoom = await author.chat.join(roomId);
  const members = [];
  for (let i = 0; i < reporters; i++) {
    const member = await clients.member(`reporter${i}`);
    const memberRoom = await member.chat.join(roomId);
    const updates: Message[] = [];
    memberRoom.on('update', (message) => void updates.push(message));
    members.push({ ...member, memberRoom, updates });
  }
  const message = await authorRoom.send('buy cheap watches at example.test');
  return { roomId, admin, adminRoom, author, authorRoom, members, message };
}

const openReports = async (roomId: string) =>
  (await parley.repositories.reports.open('demo')).filter((report) => report.roomId === roomId).map((report) => report.reporter.displayName);

describe('reporting a message', () => {
  it('files one report per user (again: the new reason), and refuses your own message and unknown ones', async () => {
    const { roomId, authorRoom, members, message, admin } = await room(1);
    const [reporter] = members;
    await reporter!.memberRoom.report(message.seq, { reason: 'spam' });
    await reporter!.memberRoom.report(message.seq, { reason: 'harassment', details: 'they keep at it' });
    expect(await openReports(roomId)).toEqual([reporter!.user.displayName]);

    const [queued] = (await admin.chat.reports()).filter((entry) => entry.message.roomId === roomId);
    expect(queued).toEqual({
      message: expect.objectContaining({ seq: message.seq, text: 'buy cheap watches at example.test' }),
      reports: [{ reporter: { id: reporter!.user.id, displayName: reporter!.user.displayName }, reason: 'harassment', details: 'they keep at it', createdAt: expect.any(String) }],
    });

    await expect(authorRoom.report(message.seq, { reason: 'spam' })).rejects.toMatchObject({ code: 'forbidden', message: 'you cannot report your own message' });
    await expect(reporter!.memberRoom.report(message.seq + 100, { reason: 'spam' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(reporter!.memberRoom.report(message.seq, { reason: 'nonsense' as 'spam' })).rejects.toMatchObject({ code: 'invalid_input', field: 'reason' });
  });

  it('hides a message reported by three users, for everyone, live and in history; two are not enough', async () => {
    const { roomId, adminRoom, members, message, admin } = await room(3);
    await members[0]!.memberRoom.report(message.seq, { reason: 'spam' });
    await members[1]!.memberRoom.report(message.seq, { reason: 'spam' });
    expect((await parley.repositories.messages.findBySeq('demo', roomId, message.seq))?.hiddenAt).toBeUndefined();

    await members[2]!.memberRoom.report(message.seq, { reason: 'other' });
    for (const member of members) await waitUntil(() => member.updates.some((m) => m.seq === message.seq && m.hiddenAt !== undefined));
    expect(members[0]!.updates.at(-1)).toMatchObject({ seq: message.seq, text: '', hiddenAt: expect.any(String) });
    const page = await adminRoom.history({ limit: 10 });
    expect(page.find((m) => m.seq === message.seq)).toMatchObject({ text: '', hiddenAt: expect.any(String) });

    // moderators still read it in the queue
    const queued = (await admin.chat.reports()).find((entry) => entry.message.roomId === roomId);
    expect(queued?.message).toMatchObject({ text: 'buy cheap watches at example.test', hiddenAt: expect.any(String) });
    expect(queued?.reports).toHaveLength(3);
    const log = (await admin.chat.moderationLog()).find((action) => action.roomId === roomId && action.action === 'message.hide');
    expect(log).toMatchObject({ actor: { id: 'reports' }, seq: message.seq, reason: 'reported by 3 users' });
  });

  it('follows the site setting: hideAfter 0 never hides, 1 hides at the first report', async () => {
    const { admin } = await room(0);
    try {
      expect(await admin.chat.setReportSettings({ hideAfter: 0 })).toEqual({ hideAfter: 0 });
      const never = await room(3);
      for (const member of never.members) await member.memberRoom.report(never.message.seq, { reason: 'spam' });
      expect((await parley.repositories.messages.findBySeq('demo', never.roomId, never.message.seq))?.hiddenAt).toBeUndefined();

      await admin.chat.setReportSettings({ hideAfter: 1 });
      expect(await admin.chat.reportSettings()).toEqual({ hideAfter: 1 });
      const once = await room(1);
      await once.members[0]!.memberRoom.report(once.message.seq, { reason: 'spam' });
      await waitUntil(() => once.members[0]!.updates.some((m) => m.hiddenAt !== undefined));
    } finally {
      await admin.chat.setReportSettings({ hideAfter: 3 });
    }
    await expect(admin.chat.setReportSettings({ hideAfter: -1 })).rejects.toMatchObject({ code: 'invalid_input', field: 'hideAfter' });
  });
});

describe('resolving reports', () => {
  /** A message hidden by three reports. */
  async function hidden() {
    const setting = await room(3);
    for (const member of setting.members) await member.memberRoom.report(setting.message.seq, { reason: 'spam' });
    await waitUntil(() => setting.members[0]!.updates.some((m) => m.hiddenAt !== undefined));
    return setting;
  }

  it('dismisses: the message is shown again, the reports are closed and the dismissal logged', async () => {
    const { roomId, admin, members, message } = await hidden();
    const answer = await admin.chat.resolveReport({ roomId, seq: message.seq, action: 'dismiss' });
    expect(answer).toEqual({ resolved: 3, message: expect.objectContaining({ seq: message.seq, text: 'buy cheap watches at example.test' }) });
    expect(answer.message.hiddenAt).toBeUndefined();
    await waitUntil(() => members[0]!.updates.some((m) => m.seq === message.seq && m.hiddenAt === undefined && m.text !== ''));
    expect(await openReports(roomId)).toEqual([]);
    expect((await admin.chat.reports()).some((entry) => entry.message.roomId === roomId)).toBe(false);
    expect((await admin.chat.moderationLog())[0]).toMatchObject({ action: 'report.dismiss', roomId, seq: message.seq });
  });

  it('deletes: a tombstone for everyone', async () => {
    const { roomId, admin, members, message } = await hidden();
    const answer = await admin.chat.resolveReport({ roomId, seq: message.seq, action: 'delete' });
    expect(answer.message).toMatchObject({ text: '', deletedAt: expect.any(String) });
    await waitUntil(() => members[0]!.updates.some((m) => m.seq === message.seq && m.deletedAt !== undefined));
    expect(await openReports(roomId)).toEqual([]);
  });

  it('mutes the author in the room, and deletes the message', async () => {
    const { roomId, admin, authorRoom, message, author } = await hidden();
    await expect(admin.chat.resolveReport({ roomId, seq: message.seq, action: 'mute' })).rejects.toMatchObject({ code: 'invalid_input', field: 'durationMs' });
    await admin.chat.resolveReport({ roomId, seq: message.seq, action: 'mute', durationMs: 60_000 });
    await expect(authorRoom.send('again')).rejects.toMatchObject({ code: 'forbidden', retryAfterMs: expect.any(Number) });
    const log = (await admin.chat.moderationLog()).filter((action) => action.roomId === roomId).map((action) => [action.action, action.targetUserId]);
    expect(log).toEqual(expect.arrayContaining([['user.mute', author.user.id], ['message.delete', author.user.id]]));
  });

  it('bans the author: their session ends', async () => {
    const { roomId, admin, message, author } = await hidden();
    const ended = new Promise((resolve) => author.chat.on('user', (user) => user === null && resolve(undefined)));
    await admin.chat.resolveReport({ roomId, seq: message.seq, action: 'ban' });
    await ended;
    expect((await parley.repositories.users.findById('demo', author.user.id))?.bannedAt).toBeInstanceOf(Date);
    expect((await parley.repositories.messages.findBySeq('demo', roomId, message.seq))?.deletedAt).toBeInstanceOf(Date);
  });

  it('is for admins only', async () => {
    const { roomId, members, message } = await room(1);
    await expect(members[0]!.chat.reports()).rejects.toMatchObject({ code: 'forbidden' });
    await expect(members[0]!.chat.resolveReport({ roomId, seq: message.seq, action: 'dismiss' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(members[0]!.chat.setReportSettings({ hideAfter: 1 })).rejects.toMatchObject({ code: 'forbidden' });
  });
});
