import { createChatClient, type ChatClient, type PresenceChangeEvent, type PresenceUser } from '../../../sdk';
import { SignJWT } from 'jose';
import { waitUntil } from '../../helpers/chat';
import type { Parley } from '../../../server/main';
import { newAccount, startTestServer } from '../../helpers/server';

let parley: Parley;
beforeAll(async () => {
  parley = await startTestServer();
});
afterAll(() => parley.close());

const client = () => createChatClient({ baseUrl: parley.url, site: 'demo' });

function presenceWhere(room: { on(e: 'presence', l: (o: PresenceUser[]) => void): () => void }, test: (online: PresenceUser[]) => boolean) {
  return new Promise<PresenceUser[]>((resolve) => {
    const off = room.on('presence', (online) => {
      if (!test(online)) return;
      off();
      resolve(online);
    });
  });
}

describe('the online list', () => {
  it('lists a user once however many tabs they have, and drops them when the last one closes', async () => {
    const account = newAccount('tabs');
    const watcher = client();
    const tabs: ChatClient[] = [client(), client(), client()];
    try {
      await watcher.register(newAccount('watcher'));
      const watched = await watcher.join('general');

      await tabs[0]!.register(account);
      for (const tab of tabs.slice(1)) await tab.login(account);
      for (const tab of tabs) await tab.join('general');
      const names = (online: readonly PresenceUser[]) => online.filter((u) => u.displayName === account.displayName).length;
      const room = await tabs[2]!.join('general');
      expect(names(room.online)).toBe(1);

      tabs[0]!.close();
      tabs[1]!.close();
      // still online with one tab left
      await new Promise((r) => setTimeout(r, 300));
      expect(names(watched.online)).toBe(1);

      const gone = presenceWhere(watched, (online) => names(online) === 0);
      tabs[2]!.close();
      expect(names(await gone)).toBe(0);
    } finally {
      watcher.close();
      for (const tab of tabs) tab.close();
    }
  });

  it('removes a user who logs out', async () => {
    const watcher = client();
    const leaver = client();
    try {
      await watcher.register(newAccount('watcher'));
      const watched = await watcher.join('general');
      const account = newAccount('leaver');
      await leaver.register(account);
      const joined = presenceWhere(watched, (online) => online.some((u) => u.displayName === account.displayName));
      await leaver.join('general');
      await joined;
      const gone = presenceWhere(watched, (online) => !online.some((u) => u.displayName === account.displayName));
      await leaver.logout();
      await gone;
      expect(leaver.user).toBeNull();
    } finally {
      watcher.close();
      leaver.close();
    }
  });

  it('sends changes as joins and leaves, and a room.leave() leaves at once', async () => {
    const watcher = client();
    const other = client();
    try {
      await watcher.register(newAccount('watcher'));
      const watched = await watcher.join('general');
      const changes: PresenceChangeEvent[] = [];
      watched.on('presence', (_online, change) => changes.push(change));
      const user = await other.register(newAccount('comer'));
      const room = await other.join('general');
      await waitUntil(() => changes.length === 1);
      expect(changes[0]).toEqual({ joined: { id: user.id, displayName: user.displayName } });
      expect(room.online).toContainEqual({ id: user.id, displayName: user.displayName });
      await room.leave();
      await waitUntil(() => changes.length === 2);
      expect(changes[1]).toEqual({ left: { id: user.id, displayName: user.displayName } });
    } finally {
      watcher.close();
      other.close();
    }
  });
});

describe('the presence grace period (PRESENCE_GRACE_MS, default 5 s)', () => {
  let graceful: Parley;
  beforeAll(async () => {
    // the default grace period, as operators get it
    graceful = await startTestServer({ PRESENCE_GRACE_MS: '' });
  });
  afterAll(() => graceful.close());
  const gracefulClient = () => createChatClient({ baseUrl: graceful.url, site: 'demo' });

  it('keeps a user who reloads the page listed, with no leave and no join, and drops one who stays away after 5 s', async () => {
    const watcher = gracefulClient();
    const account = newAccount('reloader');
    const tabs: ChatClient[] = [];
    try {
      await watcher.register(newAccount('watcher'));
      const watched = await watcher.join('general');
      const changes: PresenceChangeEvent[] = [];
      watched.on('presence', (_online, change) => changes.push(change));

      const first = gracefulClient();
      tabs.push(first);
      await first.register(account);
      await first.join('general');
      await waitUntil(() => changes.length === 1);

      // a reload: the page's socket closes, a new one signs in again a moment later
      first.close();
      await new Promise((resolve) => setTimeout(resolve, 500));
      const reloaded = gracefulClient();
      tabs.push(reloaded);
      await reloaded.login(account);
      await reloaded.join('general');
      await new Promise((resolve) => setTimeout(resolve, 5_500));
      expect(changes).toHaveLength(1);
      expect(watched.online.filter((u) => u.displayName === account.displayName)).toHaveLength(1);

      // gone for good: listed through the grace period, then left
      const closedAt = Date.now();
      reloaded.close();
      await waitUntil(() => changes.length === 2, 10_000);
      const after = Date.now() - closedAt;
      expect(changes[1]).toMatchObject({ left: { displayName: account.displayName } });
      expect(after).toBeGreaterThanOrEqual(4_900);
      expect(after).toBeLessThan(7_000);
    } finally {
      watcher.close();
      for (const tab of tabs) tab.close();
    }
  }, 30_000);
});

describe('the cost of a join', () => {
  it("does not look at the room's sockets: the online list is kept as people come and go", async () => {
    const adapter = parley.hub.io.of('/').adapter;
    const fetchSockets = jest.spyOn(adapter, 'fetchSockets');
    const clients: ChatClient[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        const chat = client();
        clients.push(chat);
        await chat.register(newAccount('cost'));
        const room = await chat.join('general');
        // everyone who joined before is listed
        expect(clients.slice(0, i + 1).every((c) => room.online.some((u) => u.id === c.user?.id))).toBe(true);
      }
      expect(fetchSockets).not.toHaveBeenCalled();
    } finally {
      fetchSockets.mockRestore();
      for (const chat of clients) chat.close();
    }
  });
});

describe('a renamed user', () => {
  it('is listed under the new name when they join again while still listed under the old one', async () => {
    const secret = (await parley.repositories.sites.findById('demo'))!.identitySecret;
    const token = (name: string) =>
      new SignJWT({ sub: `crm-rename-${process.pid}`, name }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('10m').sign(new TextEncoder().encode(secret));
    const before = client();
    const after = client();
    try {
      await before.identify({ token: await token('Old Name') });
      await before.join('general');
      // the site renames them; a second tab signs in with the new name while the first is still in the room
      await after.identify({ token: await token('New Name') });
      const room = await after.join('general');
      const names = room.online.filter((u) => u.id === after.user?.id).map((u) => u.displayName);
      expect(names).toEqual(['New Name']);
    } finally {
      before.close();
      after.close();
    }
  });
});
