import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { createSite } from '../../server/db';
import type { Parley } from '../../server/start-up';
import { sign } from '../../server/signing';
import { chatClients, waitUntil } from '../helpers/chat';
import { startTestServer } from '../helpers/server';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';

// The README's verification snippets, for Node and Python, run as a receiver would run them (node and python3
// processes), against a real delivery from a real server: a signed delivery passes; a changed body, another
// secret, an old timestamp or a made-up header do not.
let parley: Parley;
let receiver: WebhookReceiver;
const clients = chatClients(() => parley);

beforeAll(async () => {
  parley = await startTestServer({ HOOKS_ALLOW_PRIVATE: 'true', WEBHOOK_POLL_MS: '50' });
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  clients.closeAll();
  await parley.close();
  await receiver.close();
});

/** The README's fenced block of `language` that holds `marker`. */
async function snippet(language: string, marker: string): Promise<string> {
  const readme = await readFile('README.md', 'utf8');
  const block = [...readme.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((match) => match[1]!).find((code) => code.includes(marker));
  if (!block) throw new Error(`README.md has no ${language} block with ${marker}`);
  return block;
}

type Case = { secret: string; header: string; body: string };

/** Runs each case through the snippet in a process of its own; answers what the function returned for each. */
async function verifiedBy(language: 'js' | 'python', cases: Case[]): Promise<boolean[]> {
  const input = JSON.stringify(cases);
  if (language === 'js') {
    const code = `${(await snippet('js', 'verifyParley')).replace('export function', 'function')}
const cases = JSON.parse(process.argv[1]);
console.log(JSON.stringify(cases.map(({ secret, header, body }) => verifyParley(secret, header, body))));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', code, input]);
    return JSON.parse(stdout) as boolean[];
  }
  const code = `${await snippet('python', 'verify_parley')}
import json, sys
cases = json.loads(sys.argv[1])
print(json.dumps([verify_parley(c["secret"], c["header"], c["body"].encode()) for c in cases]))`;
  const { stdout } = await promisify(execFile)('python3', ['-c', code, input]);
  return JSON.parse(stdout) as boolean[];
}

it.each(['js', 'python'] as const)('the README %s snippet accepts a real delivery and refuses altered ones', async (language) => {
  const site = `v-${randomBytes(4).toString('hex')}`;
  await createSite(parley.repositories, { id: site, name: 'Verified', allowedOrigins: [] });
  const admin = await clients.admin('owner', site);
  const endpoint = await admin.chat.addWebhook({ url: receiver.url, events: ['message.created'] });
  await admin.room.send('héllo, “receiver” 👋');
  await waitUntil(() => receiver.received.some((request) => request.event.site === site), 30_000);
  const delivery = receiver.received.find((request) => request.event.site === site)!;
  const header = String(delivery.headers['parley-signature']);
  const { secret } = endpoint;
  const oldT = Math.floor(Date.now() / 1000) - 301;

  expect(
    await verifiedBy(language, [
      { secret, header, body: delivery.body },
      { secret, header, body: delivery.body.replace('receiver', 'receivers') },
      { secret: `${secret}x`, header, body: delivery.body },
      { secret, header: sign(secret, delivery.body, oldT), body: delivery.body },
      { secret, header: 'nonsense', body: delivery.body },
      { secret, header: '', body: delivery.body },
      // a rotated secret's header carries two signatures: one matching is enough
      { secret, header: `${header},v1=${'0'.repeat(64)}`, body: delivery.body },
    ]),
  ).toEqual([true, false, false, false, false, false, true]);
});
