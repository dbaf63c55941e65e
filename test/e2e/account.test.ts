import { readFile } from 'node:fs/promises';
import type { DataExport } from '../../sdk';
import { registerIn, seriousViolations } from '../helpers/browser';
import { newAccount } from '../helpers/server';
import { type SmtpReceiver, startSmtpReceiver } from '../helpers/smtp-server';
import { waitUntil } from '../helpers/chat';
import { widgetSuite } from '../helpers/widget-suite';

// The account dialog in the widget, keyboard only: the header's Account opens it; a member adds an address for email
// notifications, which a real SMTP server (inside the test process) receives a link for; once confirmed, the dialog
// shows it and its switch (the host page's address travels with it, for the digests' link back). The user downloads
// their data and deletes their account there.
let smtp: SmtpReceiver;
beforeAll(async () => {
  smtp = await startSmtpReceiver();
});
afterAll(async () => {
  await smtp?.close();
});
const suite = widgetSuite(() => ({ SMTP_URL: smtp.url }));
const { openWidget } = suite;

describe('the account in the widget', () => {
  it('take an address, send it a link, show it confirmed, and turn off, with the keyboard alone', async () => {
    const widget = await openWidget();
    const account = newAccount('mail');
    await registerIn(widget.chat, account);
    const open = widget.chat.getByRole('button', { name: 'Account', exact: true });
    await open.focus();
    await widget.page.keyboard.press('Enter');
    const dialog = widget.chat.getByRole('dialog', { name: 'Your account' });
    const field = dialog.getByRole('textbox', { name: 'Email address' });
    await field.and(widget.chat.locator(':focus')).waitFor();
    expect(await seriousViolations(widget.frame())).toEqual([]);

    const address = `${account.username}@mail.example`;
    await widget.page.keyboard.type(address);
    await widget.page.keyboard.press('Enter');
    await dialog.getByText(`We sent a link to ${address}. Follow it to confirm the address.`).waitFor();
    expect(await seriousViolations(widget.frame())).toEqual([]);
    await waitUntil(() => smtp.to(address).length === 1, 20_000);
    const link = /http:\/\/\S+\/email\/verify\?token=[\w.-]+/.exec(smtp.to(address)[0]!.mail.text ?? '')?.[0];
    expect(link).toBeDefined();

    // the link's page, in a tab of its own: its button confirms
    const tab = await widget.page.context().newPage();
    await tab.goto(link!);
    expect(await seriousViolations(tab)).toEqual([]);
    await tab.getByRole('button', { name: 'Confirm email address' }).click();
    await tab.getByRole('status').getByText('Your email address is confirmed.').waitFor();
    await tab.close();

    // the host page the chat was on is kept (origin and path) for the digests' link back
    const user = await suite.parley().repositories.users.findByUsername('demo', account.username);
    const host = new URL(widget.page.url());
    expect(user).toMatchObject({ email: address, page: host.origin + host.pathname, locale: 'en' });

    // closed and opened again: the address, and the switch, which turns digests off
    await widget.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await open.and(widget.chat.locator(':focus')).waitFor();
    await widget.page.keyboard.press('Enter');
    await dialog.getByText(`Emails go to ${address}.`).waitFor();
    const notify = dialog.getByRole('checkbox', { name: 'Email me when I am mentioned or replied to while away' });
    expect(await notify.isChecked()).toBe(true);
    await notify.focus();
    await widget.page.keyboard.press('Space');
    await dialog.getByRole('status').getByText('Saved.').waitFor();
    expect((await suite.parley().repositories.users.findByUsername('demo', account.username))?.emailOff).toBe(true);
    expect(await seriousViolations(widget.frame())).toEqual([]);
  });

  it('speaks Spanish and Chinese', async () => {
    for (const [locale, tab, username, displayName, password, button, title, label] of [
      ['es-ES', 'Crear cuenta', 'Nombre de usuario', 'Nombre visible', 'Contraseña', 'Cuenta', 'Tu cuenta', 'Dirección de correo'],
      ['zh-CN', '创建账户', '用户名', '显示名称', '密码', '账户', '你的账户', '邮箱地址'],
    ] as const) {
      const widget = await openWidget({ locale });
      const account = newAccount('idioma');
      await widget.chat.getByRole('tab', { name: tab }).click();
      await widget.chat.getByLabel(username).fill(account.username);
      await widget.chat.getByLabel(displayName).fill(account.displayName);
      await widget.chat.getByLabel(password).fill(account.password);
      await widget.chat.getByLabel(password).press('Enter');
      await widget.chat.getByRole('button', { name: button, exact: true }).click();
      const dialog = widget.chat.getByRole('dialog', { name: title });
      await dialog.getByRole('textbox', { name: label }).waitFor();
      expect(await seriousViolations(widget.frame())).toEqual([]);
    }
  });

  it("downloads the user's data and deletes the account, which frees the name", async () => {
    const widget = await openWidget();
    const account = newAccount('leaver');
    await registerIn(widget.chat, account);
    await widget.chat.getByRole('textbox', { name: 'Message' }).fill('something I said');
    await widget.page.keyboard.press('Enter');
    await widget.chat.getByRole('log', { name: 'Messages' }).getByText('something I said').waitFor();
    await widget.chat.getByRole('button', { name: 'Account', exact: true }).click();
    const dialog = widget.chat.getByRole('dialog', { name: 'Your account' });

    const [download] = await Promise.all([widget.page.waitForEvent('download'), dialog.getByRole('button', { name: 'Download my data' }).click()]);
    expect(download.suggestedFilename()).toBe('parley-data.json');
    const data = JSON.parse(await readFile((await download.path())!, 'utf8')) as DataExport;
    expect(data.user.username).toBe(account.username);
    expect(data.messages.map((message) => message.text)).toContain('something I said');
    await dialog.getByRole('status').getByText('Your data was downloaded as a JSON file.').waitFor();

    // a wrong password is refused and the account stays; the right one, confirmed, deletes it
    widget.page.on('dialog', (confirm) => void confirm.accept());
    const password = dialog.getByLabel('Your password');
    await password.fill('not my password');
    await widget.page.keyboard.press('Enter');
    await dialog.getByRole('status').filter({ hasText: /password/i }).waitFor();
    expect(await suite.parley().repositories.users.findByUsername('demo', account.username)).not.toBeNull();
    await password.fill(account.password);
    await widget.page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await widget.chat.getByRole('tab', { name: 'Create account' }).waitFor();
    expect(await suite.parley().repositories.users.findByUsername('demo', account.username)).toBeNull();
    expect(await seriousViolations(widget.frame())).toEqual([]);
    // the name is free again
    await registerIn(widget.chat, account);
  });
});
