import axe, { type AxeResults, type Result } from 'axe-core';
import { type Browser, chromium, type Frame, type FrameLocator, type Page } from 'playwright-core';

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

/** The serious and critical axe-core violations in a page or frame (axe injected through DevTools, not through its CSP). */
export async function seriousViolations(target: Page | Frame): Promise<string[]> {
  await target.evaluate(axe.source);
  const results = await target.evaluate(() => (window as unknown as { axe: { run(): Promise<AxeResults> } }).axe.run());
  return results.violations
    .filter((v: Result) => v.impact === 'serious' || v.impact === 'critical')
    .map((v: Result) => `${v.id}: ${v.help} — ${v.nodes.map((n) => `${String(n.target)} ${n.failureSummary ?? ''}`).join('; ')}`);
}
