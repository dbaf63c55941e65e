import { type Browser, chromium, type FrameLocator } from 'playwright-core';

/** Debian's Chromium, headless; never a downloaded browser. Background networking off: this machine has no internet. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Creates an account in the widget's panel (`chat`: its iframe) and waits for the composer. */
export async function registerIn(chat: FrameLocator, account: { username: string; displayName: string; password: string }): Promise<void> {
  await chat.getByRole('tab', { name: 'Create account' }).click();
  await chat.getByLabel('Username').fill(account.username);
  await chat.getByLabel('Display name').fill(account.displayName);
  await chat.getByLabel('Password').fill(account.password);
  await chat.getByRole('button', { name: 'Register' }).click();
  await chat.getByRole('textbox', { name: 'Message' }).waitFor();
}
