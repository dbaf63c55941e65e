import { createChatClient, type ChatClient, type PresenceUser } from '../../../sdk';
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
});
