import { createChatClient } from '../../sdk';
import { type Framework, FRAMEWORKS, serveFrameworkExamples } from '../../examples/frameworks/serve';
import type { StaticServer } from '../../examples/static-server';
import { seriousViolations } from '../helpers/browser';
import { browserSuite } from '../helpers/browser-suite';
import { newAccount } from '../helpers/server';

// The React and Vue examples in Chromium, each on its own origin: <ParleyWidget> mounts the widget's launcher and takes
// it away when removed (React under StrictMode, which mounts effects twice), and a room built on the hooks or
// composables signs up, sends, and sees other people's messages, presence and typing live.
const suite = browserSuite();
let examples: StaticServer & { pages: Record<Framework, string> };

beforeAll(async () => {
  examples = await serveFrameworkExamples({ port: 0, backendUrl: suite.parley().url });
  await suite.parley().repositories.sites.updateOrigins('demo', { add: [new URL(examples.url).origin] });
}, 60_000);
afterAll(async () => {
  await examples?.close();
});

describe.each(FRAMEWORKS)('the %s example', (framework) => {
  it('mounts and removes the widget, and chats through the hooks', async () => {
    const page = await suite.newPage({ viewport: { width: 1100, height: 760 } });
    await page.goto(examples.pages[framework]);
    const launcher = page.getByRole('button', { name: 'Open chat' });
    await launcher.waitFor();
    // removed: the launcher goes, with the loader's script; added again: a fresh widget
    await page.getByRole('button', { name: 'Remove the widget' }).click();
    await launcher.waitFor({ state: 'detached' });
    expect(await page.locator('script[src$="/widget.js"]').count()).toBe(0);
    await page.getByRole('button', { name: 'Add the widget' }).click();
    await launcher.waitFor();
    expect(await page.locator('script[src$="/widget.js"]').count()).toBe(1);
    // the panel opens, the app inside answers
    await launcher.click();
    await page.frameLocator('iframe[title="Parley chat"]').getByRole('tab', { name: 'Create account' }).waitFor();
    await page.getByRole('button', { name: 'Close chat' }).click();

    const account = newAccount(framework);
    const signUp = page.getByRole('form', { name: 'Sign up' });
    await signUp.getByLabel('Username').fill(account.username);
    await signUp.getByLabel('Display name').fill(account.displayName);
    await signUp.getByLabel('Password').fill(account.password);
    await signUp.getByRole('button', { name: 'Sign up' }).click();
    const room = page.getByRole('region', { name: 'Room' });
    await room.getByRole('list', { name: 'Online' }).getByText(account.displayName).waitFor();

    const field = room.getByRole('textbox', { name: 'Message' });
    await field.fill(`hello from ${framework}`);
    await field.press('Enter');
    const messages = room.getByRole('list', { name: 'Messages' });
    await messages.getByText(`hello from ${framework}`).waitFor();

    // someone else, through the SDK: presence, typing and a message arrive live
    const other = suite.track(createChatClient({ baseUrl: suite.parley().url, site: 'demo' }));
    const otherAccount = newAccount('other');
    await other.register(otherAccount);
    const otherRoom = await other.join('general');
    await room.getByRole('list', { name: 'Online' }).getByText(otherAccount.displayName).waitFor();
    otherRoom.typing();
    await room.getByText(`${otherAccount.displayName} typing…`).waitFor();
    await otherRoom.send(`hi ${framework}, from the SDK`);
    await messages.getByText(`hi ${framework}, from the SDK`).waitFor();
    await otherRoom.leave();
    await room.getByRole('list', { name: 'Online' }).getByText(otherAccount.displayName).waitFor({ state: 'detached' });
    expect(await seriousViolations(page)).toEqual([]);
  });
});
