import { randomBytes } from 'node:crypto';
import type { SessionResponse, SiteActivityResponse } from '../../../sdk/protocol';
import { createSite, removeSite } from '../../../server/db';
import type { Parley } from '../../../server/main';
import { chatClients } from '../../helpers/chat';
import { signInToConsole } from '../../helpers/console';
import { newAccount, startTestServer } from '../../helpers/server';

// The console's Overview numbers: real sockets send real messages, the node counts them and adds them to the
// database, and GET /activity answers today's messages, distinct authors, top rooms and who is online now.
let parley: Parley;
const clients = chatClients(() => parley);
beforeAll(async () => {
  parley = await startTestServer();
});
afterEach(() => clients.closeAll());
afterAll(() => parley.close());

async function newSite() {
  const id = `act-${randomBytes(3).toString('hex')}`;
  await createSite(parley.repositories, { id, name: 'Activity shop', allowedOrigins: [] });
  await parley.repositories.rooms.create(id, 'support', 'Support');
  return id;
}

/** Polls the activity until `test` holds (sockets leave within the presence grace, not at once). */
async function activityWhen(read: () => Promise<SiteActivityResponse['activity']>, test: (activity: SiteActivityResponse['activity']) => boolean) {
  for (;;) {
    const activity = await read();
    if (test(activity)) return activity;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('GET /api/sites/:siteId/activity', () => {
  it("counts today's messages and distinct authors, ranks the rooms, and says who is online now", async () => {
    const siteId = await newSite();
    const ada = await clients.member('ada', siteId);
    const bob = await clients.member('bob', siteId);
    const support = await bob.chat.join('support');
    for (let i = 0; i < 3; i++) await ada.room.send(`hello ${i}`);
    await bob.room.send('hi');
    for (let i = 0; i < 5; i++) await support.send(`help ${i}`);

    const moderator = await signInToConsole(parley, siteId, 'moderator');
    const read = async () => {
      const { status, body } = await moderator.call<SiteActivityResponse>('GET', `/api/sites/${siteId}/activity`);
      expect(status).toBe(200);
      return body.activity;
    };
    const activity = await activityWhen(read, (each) => each.online === 2);
    expect(activity.days).toHaveLength(30);
    const today = new Date().toISOString().slice(0, 10);
    expect(activity.days.at(-1)).toEqual({ day: today, messages: 9, activeUsers: 2 });
    expect(activity.days.slice(0, -1).every((day) => day.messages === 0 && day.activeUsers === 0)).toBe(true);
    expect(activity.days[0]!.day < activity.days[1]!.day).toBe(true);
    expect(activity.topRooms).toEqual([
      { roomId: 'support', name: 'Support', messages: 5 },
      { roomId: 'general', name: 'General', messages: 4 },
    ]);

    // a retried send is one message, counted once
    await ada.room.send('once', { clientMsgId: 'same-send-twice' });
    await ada.room.send('once', { clientMsgId: 'same-send-twice' });
    expect((await read()).days.at(-1)).toEqual({ day: today, messages: 10, activeUsers: 2 });

    bob.chat.close();
    expect((await activityWhen(read, (each) => each.online === 1)).online).toBe(1);
  });

  it('is for moderators and up: a member gets 403, nobody 401', async () => {
    const siteId = await newSite();
    const registered = await fetch(`${parley.url}/api/sites/${siteId}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(newAccount('member')) });
    const { token } = (await registered.json()) as Required<SessionResponse>;
    const asMember = await fetch(`${parley.url}/api/sites/${siteId}/activity`, { headers: { authorization: `Bearer ${token}` } });
    expect(asMember.status).toBe(403);
    expect((await fetch(`${parley.url}/api/sites/${siteId}/activity`)).status).toBe(401);
    const other = await signInToConsole(parley, await newSite(), 'owner');
    expect((await other.call('GET', `/api/sites/${siteId}/activity`)).status).toBe(401);
  });

  it('forgets the site with it', async () => {
    const siteId = await newSite();
    const ada = await clients.member('ada', siteId);
    await ada.room.send('hello');
    await parley.activity.flush();
    const today = new Date().toISOString().slice(0, 10);
    expect(await parley.repositories.activity.find(siteId, [today])).toHaveLength(1);
    await removeSite(parley.repositories, siteId);
    expect(await parley.repositories.activity.find(siteId, [today])).toEqual([]);
  });
});
