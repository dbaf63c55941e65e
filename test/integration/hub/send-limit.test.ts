import type { Parley } from '../../../server/main';
import { chatClients } from '../../helpers/chat';
import { startTestServer } from '../../helpers/server';

// Attack tried: flooding a room from one account.
let parley: Parley;
const clients = chatClients(() => parley);
beforeAll(async () => {
  parley = await startTestServer({ RATE_LIMIT_MESSAGES_PER_USER: '10/10', RATE_LIMIT_MESSAGE_BURST_PER_USER: '5/20' });
});
afterAll(async () => {
  clients.closeAll();
  await parley.close();
});

const member = async (prefix: string) => (await clients.member(prefix)).room;

describe('the per-user send limit', () => {
  it('allows 10 messages plus a burst of 5, then answers rate_limited with retryAfterMs and stores nothing', async () => {
    const room = await member('flood');
    const results = [];
    for (let i = 0; i < 18; i++) results.push(await room.send(`flood ${i}`).then(() => 'ok', (e: unknown) => e));
    expect(results.slice(0, 15)).toEqual(Array(15).fill('ok'));
    for (const refused of results.slice(15)) {
      expect(refused).toMatchObject({ code: 'rate_limited', message: expect.stringMatching(/^too many messages; try again in \d+ s$/) });
      expect((refused as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(0);
    }
    const stored = await parley.repositories.messages.before('demo', 'general', undefined, 100);
    expect(stored.filter((m) => m.text.startsWith('flood ')).length).toBe(15);
  });

  it('limits each user on their own', async () => {
    const other = await member('calm');
    await expect(other.send('still allowed')).resolves.toMatchObject({ text: 'still allowed' });
  });
});
