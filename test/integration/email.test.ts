import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { ChatError, createChatClient } from '../../sdk';
import { createSite } from '../../server/db';
import { EmailDigests } from '../../server/email/digests';
import { EmailLinks } from '../../server/email/links';
import { smtpMailer } from '../../server/email/mailer';
import { SiteSettingsCache } from '../../server/moderation/site-settings';
import { createLogger } from '../../server/logger';
import type { Parley } from '../../server/start-up';
import { chatClients, waitUntil } from '../helpers/chat';
import { io } from 'socket.io-client';
import { newAccount, startTestServer } from '../helpers/server';
import { type Arrived, type SmtpReceiver, startSmtpReceiver } from '../helpers/smtp-server';

// Email for people who are away, against a real SMTP server inside the test process (smtp-server, read back with
// mailparser) and a real Parley: confirmation links, digests, unsubscribing. The server's digests wait 1.5 s after
// the last message (EMAIL_DIGEST_QUIET_MS: two sends at once fall in one) and look every 50 ms, so tests wait for what arrives; the cases that turn
// on time (a user who comes back, the gap between digests, a failing provider) run a second digest sender on the same
// database with a clock the test moves: time is the only thing mocked.
let parley: Parley;
let smtp: SmtpReceiver;
const clients = chatClients(() => parley);
const WAIT_MS = 20_000;
const PAGE = 'https://shop.example/products/42';

beforeAll(async () => {
  smtp = await startSmtpReceiver();
  parley = await startTestServer({
    SMTP_URL: smtp.url,
    EMAIL_FROM: 'Shop chat <chat@shop.example>',
    EMAIL_DIGEST_QUIET_MS: '1500',
    EMAIL_DIGEST_GAP_MS: '3000',
    EMAIL_POLL_MS: '50',
    RATE_LIMIT_EMAIL_LINKS_PER_USER: '4/3600',
  });
});
afterEach(() => {
  clients.closeAll();
  smtp.refuse(undefined);
});
afterAll(async () => {
  await parley.close();
  await smtp.close();
});

const newAddress = (name: string) => `${name}-${randomBytes(4).toString('hex')}@mail.example`;
const waitForMail = async (address: string, count = 1) => {
  await waitUntil(() => smtp.to(address).length >= count, WAIT_MS);
  return smtp.to(address);
};
const linkIn = (mail: Arrived, use: 'verify' | 'unsubscribe') => {
  const found = mail.mail.text?.match(new RegExp(`http://[^\\s/]+/email/${use}\\?token=[\\w.-]+`))?.[0];
  if (!found) throw new Error(`no ${use} link in ${mail.mail.text}`);
  return found;
};

/** A site of its own with the shop's origin allowed (where PAGE is). */
async function newShop(name = 'Shop') {
  const site = `e-${randomBytes(4).toString('hex')}`;
  await createSite(parley.repositories, { id: site, name, allowedOrigins: ['https://shop.example'] });
  return site;
}

/** A member of `site` with a confirmed address, signed in from PAGE in `locale`; `chat.close()` makes them away. */
async function memberWithEmail(prefix: string, site: string, locale = 'en') {
  const signedIn = await clients.member(prefix, site, { page: `${PAGE}?coupon=SECRET#reviews`, locale });
  const address = newAddress(prefix);
  await signedIn.chat.setEmail(address);
  const [confirmation] = await waitForMail(address);
  const answer = await fetch(linkIn(confirmation!, 'verify'), { method: 'POST' });
  expect(answer.status).toBe(200);
  return { ...signedIn, address };
}

describe('an address for email', () => {
  it('is confirmed by the link sent to it: a page that asks, then a POST that does it', async () => {
    const site = await newShop('Acme <Shop>');
    const { chat } = await clients.member('ada', site, { page: PAGE, locale: 'es-MX' });
    expect(await chat.emailSettings()).toEqual({ available: true, notify: true });

    const address = newAddress('ada');
    expect(await chat.setEmail(address)).toEqual({ available: true, pending: address, notify: true });
    const [confirmation] = await waitForMail(address);
    const { mail } = confirmation!;
    // in the language the chat spoke, from the configured sender, the site's name as text
    expect(mail.subject).toBe('Confirma tu correo para Acme <Shop>');
    expect(mail.from?.value).toEqual([{ name: 'Shop chat', address: 'chat@shop.example' }]);
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
    expect(mail.html).toContain('Acme &#60;Shop&#62;');
    expect(mail.html).not.toContain('Acme <Shop>');
    const link = linkIn(confirmation!, 'verify');
    expect(mail.html).toContain(link);

    // opening the link changes nothing (a mail scanner may fetch it); the page's button does
    const asked = await fetch(link, { headers: { 'accept-language': 'zh-CN,zh;q=0.9' } });
    expect(asked.status).toBe(200);
    expect(asked.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(asked.headers.get('content-security-policy')).toContain("default-src 'none'");
    const page = await asked.text();
    expect(page).toContain('<form method="post">');
    expect(page).toContain('确认邮箱地址');
    expect((await chat.emailSettings()).address).toBeUndefined();

    const confirmed = await fetch(link, { method: 'POST' });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('Your email address is confirmed.');
    expect(await chat.emailSettings()).toEqual({ available: true, address, notify: true });
    // a link is good once: the address is no longer pending
    expect((await fetch(link, { method: 'POST' })).status).toBe(400);
    // what was kept for the digests: the page without its query and fragment, the language
    const stored = await parley.repositories.users.findById(site, chat.user!.id);
    expect(stored).toMatchObject({ email: address, page: PAGE, locale: 'es' });
  });

  it('refuses bad input, guests, forged links and too many links, with typed errors', async () => {
    const site = await newShop();
    const { chat } = await clients.member('bob', site);
    const refusal = (call: Promise<unknown>) => call.then(() => undefined, (error: unknown) => error as ChatError);
    const bad = await refusal(chat.setEmail('not an address'));
    expect(bad).toBeInstanceOf(ChatError);
    expect(bad).toMatchObject({ code: 'invalid_input', field: 'address' });

    // a link for another address, a forged token, a token for the other use: an error page, nothing changes
    const address = newAddress('bob');
    await chat.setEmail(address);
    const link = linkIn((await waitForMail(address))[0]!, 'verify');
    const token = link.split('token=')[1]!;
    const forged = `${token.slice(0, -4)}AAAA`;
    for (const wrong of [`${parley.url}/email/verify?token=${forged}`, `${parley.url}/email/unsubscribe?token=${token}`, `${parley.url}/email/verify`]) {
      const answer = await fetch(wrong, { method: 'POST' });
      expect(answer.status).toBe(400);
      expect(await answer.text()).toContain('This link is not valid any more.');
    }
    expect((await chat.emailSettings()).address).toBeUndefined();

    // a few links an hour (each is an email to someone): the limit is 4 here
    for (let sent = 1; sent < 4; sent++) await chat.setEmail(newAddress('bob'));
    expect(await refusal(chat.setEmail(newAddress('bob')))).toMatchObject({ code: 'rate_limited' });

    const guest = clients.client(site);
    await parley.repositories.sites.setSettings(site, { access: 'guests', postingRights: { links: 'guest', mentionEveryone: 'moderator' }, guestBanHours: 24, uploadMaxMB: 5, emailDigests: true, retentionDays: 0 });
    await guest.guest({ displayName: `Guest ${randomBytes(3).toString('hex')}` });
    expect(await refusal(guest.setEmail(newAddress('guest')))).toMatchObject({ code: 'forbidden' });
  });
});

describe("a handshake's page and language", () => {
  it('are kept when valid (an allowed origin, no query), and anything else connects all the same and is ignored', async () => {
    const site = await newShop();
    let token: string | null = null;
    const chat = clients.track(createChatClient({ baseUrl: parley.url, site, storage: { get: () => token, set: (value) => void (token = value) } }));
    const user = await chat.register(newAccount('hand'));
    const stored = () => parley.repositories.users.findById(site, user.id);
    await parley.repositories.users.setPendingEmail((await stored())!, newAddress('hand'), {});
    const connect = async (page: unknown, locale: unknown) => {
      const socket = io(parley.url, { auth: { site, token, page, locale }, transports: ['websocket'], forceNew: true, reconnection: false });
      await new Promise((resolve, reject) => socket.once('connect', () => resolve(undefined)).once('connect_error', reject));
      socket.disconnect();
    };
    for (const [page, locale] of [
      [{ $gt: '' }, ['es']],
      ['javascript:alert(1)', { toString: 'zh' }],
      ['https://evil.example/phish', 42],
      [`https://shop.example/${'a'.repeat(3_000)}`, null],
      ['//shop.example/x', undefined],
      ['https://shop.example.evil.example/', undefined],
    ]) {
      await connect(page, locale);
    }
    expect(await stored()).not.toHaveProperty('page');
    expect(await stored()).not.toHaveProperty('locale');
    await connect('https://shop.example/help?ticket=SECRET#top', 'zh-TW');
    expect(await stored()).toMatchObject({ page: 'https://shop.example/help', locale: 'zh' });
    await connect('https://shop.example/help', 'x'.repeat(10_000));
    expect(await stored()).toMatchObject({ page: 'https://shop.example/help', locale: 'en' });
  });
});

describe('digests', () => {
  it('bring one email with what came while away: mentions and replies, a link back, one-click unsubscribe, no secrets', async () => {
    const site = await newShop('Acme');
    const ada = await memberWithEmail('ada', site);
    const bob = await clients.member('bob', site);
    const adaSaid = await ada.room.send('Does anyone know the return policy?');
    ada.chat.close();
    await waitUntil(() => !bob.room.online.some((user) => user.id === ada.user.id), WAIT_MS);

    await Promise.all([
      bob.room.send('@Ada it is 30 days <b>from delivery</b>', { mentions: [ada.user.id] }),
      bob.room.send('Keep the receipt!', { replyTo: adaSaid.seq }),
    ]);
    // the confirmation, then one digest for both messages
    const [, digest] = await waitForMail(ada.address, 2);
    const { mail, raw } = digest!;

    expect(mail.subject).toBe('2 messages for you on Acme');
    expect(mail.text).toContain(`${bob.user.displayName} mentioned you in #General`);
    expect(mail.text).toContain('@Ada it is 30 days <b>from delivery</b>');
    expect(mail.text).toContain(`${bob.user.displayName} replied to you in #General`);
    expect(mail.text).toContain(`Open the chat: ${PAGE}\n`);
    expect(mail.html).toContain('it is 30 days &#60;b&#62;from delivery&#60;/b&#62;');
    expect(mail.html).toContain(`href="${PAGE}"`);

    // RFC 8058: the header a mail client's unsubscribe button posts to, without a visit
    const unsubscribe = linkIn(digest!, 'unsubscribe');
    const header = (key: string) => mail.headerLines.find((line) => line.key === key)?.line.replace(/\r?\n[ \t]+/g, ' ');
    expect(header('list-unsubscribe')).toBe(`List-Unsubscribe: <${unsubscribe}>`);
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(mail.html).toContain(`href="${unsubscribe.replace(/&/g, '&#38;')}"`);

    // nothing secret: no session, password, site secret, the page's query, other people's addresses
    const siteSecret = (await parley.repositories.sites.findById(site))!.identitySecret;
    for (const secret of [ada.account.password, bob.account.password, siteSecret, 'SECRET', 'coupon', 'passwordHash']) expect(raw).not.toContain(secret);

    const answer = await fetch(unsubscribe, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain('You will get no more email notifications from Acme.');
    const stored = await parley.repositories.users.findById(site, ada.user.id);
    expect(stored?.emailOff).toBe(true);

    // unsubscribed: a mention is not even noted
    await bob.room.send('@Ada one more thing', { mentions: [ada.user.id] });
    expect((await parley.repositories.emailDigests.waiting()).filter((waiting) => waiting.siteId === site)).toEqual([]);
  });

  it("go to nobody who is online, and the user's and the site's switches turn them off", async () => {
    const site = await newShop();
    const ada = await memberWithEmail('ada', site);
    const cy = await memberWithEmail('cy', site);
    const bob = await clients.member('bob', site);
    const dee = await memberWithEmail('dee', site);
    ada.chat.close();
    dee.chat.close();
    // cy stays online; dee is away but turned digests off (from another session of hers)
    const deeAgain = clients.track(createChatClient({ baseUrl: parley.url, site }));
    await deeAgain.login(dee.account);
    expect(await deeAgain.setEmailNotifications(false)).toMatchObject({ notify: false });
    deeAgain.close();
    await waitUntil(() => bob.room.online.every((user) => user.id !== ada.user.id && user.id !== dee.user.id), WAIT_MS);

    await bob.room.send('@Ada @Cy @Dee lunch?', { mentions: [ada.user.id, cy.user.id, dee.user.id] });
    await waitForMail(ada.address, 2);
    await parley.emailDigests!.nextLook();
    expect(smtp.to(cy.address)).toHaveLength(1); // the confirmation only
    expect(smtp.to(dee.address)).toHaveLength(1);

    // the site turns digests off: nothing is noted for anyone
    const owner = await clients.admin('owner', site);
    expect(await owner.chat.updateSettings({ emailDigests: false })).toMatchObject({ emailDigests: false });
    await bob.room.send('@Ada still there?', { mentions: [ada.user.id] });
    const noted = () => parley.repositories.emailDigests.waiting().then((all) => all.filter((waiting) => waiting.siteId === site));
    expect(await noted()).toEqual([]);
    expect(await cy.chat.emailSettings()).toMatchObject({ available: false, address: cy.address });
  });

  it("reach identified users at the address in the site's token, which only the site changes", async () => {
    const site = await newShop();
    const { identitySecret } = (await parley.repositories.sites.findById(site))!;
    const address = newAddress('ext');
    const token = await new SignJWT({ name: `Ext ${randomBytes(2).toString('hex')}`, email: address })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(`crm-${randomBytes(4).toString('hex')}`)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(identitySecret));
    const ext = clients.track(createChatClient({ baseUrl: parley.url, site, page: PAGE, locale: 'zh' }));
    const user = await ext.identify({ token });
    expect(await ext.emailSettings()).toEqual({ available: true, address, fromSite: true, notify: true });
    await expect(ext.setEmail(newAddress('other'))).rejects.toMatchObject({ code: 'forbidden' });
    await expect(ext.removeEmail()).rejects.toMatchObject({ code: 'forbidden' });
    ext.close();

    const bob = await clients.member('bob', site);
    await waitUntil(() => !bob.room.online.some((online) => online.id === user.id), WAIT_MS);
    await bob.room.send('@Ext 你好', { mentions: [user.id] });
    const [digest] = await waitForMail(address);
    expect(digest!.mail.subject).toMatch(/上有 1 条给你的消息$/);
    expect(digest!.mail.text).toContain(`${bob.user.displayName} 在 #General 中提到了你`);
  });
});


describe('digest timing (a clock the test moves)', () => {
  // a server of its own without SMTP (it notes and sends nothing), and a digest sender on its database with the
  // default timings and this test's clock, which looks only when asked: time is the one thing mocked here
  const QUIET = 600_000;
  const GAP = 3_600_000;
  let quiet: Parley;
  let clock = Date.now();
  let sender: EmailDigests;
  let outcomes: string[] = [];

  beforeAll(async () => {
    quiet = await startTestServer();
    sender = new EmailDigests({
      repositories: quiet.repositories,
      mailer: smtpMailer(smtp.url, 'chat@shop.example'),
      links: new EmailLinks(() => quiet.url, ['a test key for email links']),
      siteSettings: new SiteSettingsCache(quiet.repositories.sites),
      isOnline: (siteId, userId) => quiet.hub.isOnline(siteId, userId),
      config: { quietMs: QUIET, gapMs: GAP, pollMs: 3_600_000 },
      log: createLogger('silent', false),
      onSent: (outcome) => outcomes.push(outcome),
      now: () => clock,
    });
  });
  afterAll(async () => {
    await sender.stop();
    await quiet.close();
  });
  beforeEach(() => {
    outcomes = [];
  });

  const quietClients = chatClients(() => quiet);
  afterEach(() => quietClients.closeAll());

  /** Ada (an address, away) and Bob in a new site of the quiet server; `mention()` notes one of Bob's for Ada. */
  async function away() {
    const site = `t-${randomBytes(4).toString('hex')}`;
    await createSite(quiet.repositories, { id: site, name: 'Timed', allowedOrigins: [] });
    const ada = await quietClients.member('ada', site);
    const address = newAddress('ada');
    await quiet.repositories.users.setPendingEmail((await quiet.repositories.users.findById(site, ada.user.id))!, address, {});
    await quiet.repositories.users.confirmEmail(site, ada.user.id, address);
    ada.chat.close();
    const bob = await quietClients.member('bob', site);
    await waitUntil(() => !bob.room.online.some((user) => user.id === ada.user.id), WAIT_MS);
    const mention = async (text: string) => {
      const sent = await bob.room.send(text, { mentions: [ada.user.id] });
      await sender.noteMessage(site, (await quiet.repositories.messages.findBySeq(site, 'general', sent.seq))!);
      return sent;
    };
    return { site, ada, bob, address, mention };
  }
  const lookAt = async (at: number) => {
    clock = at;
    await sender.nextLook();
  };

  it('waits a quiet period after the latest message, at most the gap after the first; then one per gap', async () => {
    const { address, mention } = await away();
    const start = clock;
    await mention('one');
    await lookAt(start + QUIET - 1);
    expect(outcomes).toEqual([]);
    // more activity pushes it back
    clock = start + QUIET / 2;
    await mention('two');
    await lookAt(start + QUIET + 1);
    expect(outcomes).toEqual([]);
    await lookAt(start + QUIET / 2 + QUIET);
    expect(outcomes).toEqual(['sent']);
    const [first] = await waitForMail(address);
    expect(first!.mail.text).toMatch(/one[\s\S]*two/);

    // a mention every few minutes for an hour still brings a digest within the gap of the first one
    const second = clock;
    for (let minute = 0; minute < 70; minute += 5) {
      clock = second + minute * 60_000;
      await mention(`ping ${minute}`);
      await sender.nextLook();
      if (outcomes.length > 1) break;
    }
    // the gap also counts from the last digest sent: that one came at `second`, so not before second + GAP
    expect(outcomes).toEqual(['sent', 'sent']);
    expect(clock).toBeGreaterThanOrEqual(second + GAP);
    expect(clock).toBeLessThanOrEqual(second + GAP + 5 * 60_000);
    expect(smtp.to(address)).toHaveLength(2);
  });

  it('is dropped for a user who came back before it was due', async () => {
    const { site, ada, address, mention } = await away();
    const start = clock;
    await mention('are you there?');
    const back = quietClients.track(createChatClient({ baseUrl: quiet.url, site }));
    await back.login(ada.account);
    await waitUntil(() => back.status === 'online', WAIT_MS);
    await lookAt(start + QUIET + 1);
    expect(outcomes).toEqual(['dropped']);
    expect(smtp.to(address)).toEqual([]);
    expect((await quiet.repositories.emailDigests.waiting()).filter((waiting) => waiting.siteId === site)).toEqual([]);
  });

  it('leaves out messages deleted since, and is tried again when the SMTP server refuses it', async () => {
    const { site, bob, address, mention } = await away();
    const start = clock;
    await mention('kept');
    const regretted = await mention('regretted');
    await bob.room.delete(regretted.seq);
    smtp.refuse('451 try again later');
    await lookAt(start + QUIET + 1);
    expect(outcomes).toEqual(['failed']);
    // held for a minute, then tried again
    smtp.refuse(undefined);
    await lookAt(start + QUIET + 30_000);
    expect(outcomes).toEqual(['failed']);
    await lookAt(start + QUIET + 61_000);
    expect(outcomes).toEqual(['failed', 'sent']);
    const [digest] = await waitForMail(address);
    expect(digest!.mail.text).toContain('kept');
    expect(digest!.mail.text).not.toContain('regretted');
    expect(digest!.mail.subject).toBe('A message for you on Timed');
    expect((await quiet.repositories.emailDigests.waiting()).filter((waiting) => waiting.siteId === site)).toEqual([]);
  });
});
