import sharp from 'sharp';
import type { FrameLocator } from 'playwright-core';
import { registerIn, seriousViolations } from '../helpers/browser';
import { composer, messages, widgetSuite } from '../helpers/widget-suite';
import { newAccount } from '../helpers/server';

// Images in the widget, as people use them: one picks an image with the keyboard and sends it, one pastes another,
// the other sees the thumbnails (loaded with the widget's own session) and opens one in the viewer; a visitor who
// only reads sees the names. The upload rules themselves are tested over HTTP (uploads.test.ts).
const suite = widgetSuite();
const { openWidget } = suite;
const picture = (width: number, height: number, colour: string) => sharp({ create: { width, height, channels: 3, background: colour } }).png().toBuffer();

describe('images in the widget', () => {
  it('picks one with the keyboard and sends it with text; the other opens it in the viewer and closes it with Escape', async () => {
    const ada = { ...newAccount('ada'), displayName: 'Ada Pictures' };
    const bob = { ...newAccount('bob'), displayName: 'Bob Looks' };
    const first = await openWidget();
    await registerIn(first.chat, ada);
    const second = await openWidget();
    await registerIn(second.chat, bob);

    // keyboard only: the attach button opens the system's picker (once enabled: the room joined, the connection up)
    const attach = first.chat.getByRole('button', { name: 'Attach an image' });
    await attach.and(first.chat.locator(':enabled')).waitFor();
    await attach.focus();
    await first.frame().waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'Attach an image');
    const [chooser] = await Promise.all([first.page.waitForEvent('filechooser'), first.page.keyboard.press('Enter')]);
    await chooser.setFiles({ name: 'harbour.png', mimeType: 'image/png', buffer: await picture(640, 480, '#2a6') });
    // uploaded at once: its name waits above the field, with a way to take it back
    await first.chat.getByRole('status').filter({ hasText: 'harbour.png' }).waitFor();
    await first.chat.getByRole('button', { name: 'Remove the images' }).waitFor();
    await composer(first.chat).fill('The harbour this morning');
    await composer(first.chat).press('Enter');

    const sent = (chat: FrameLocator) => messages(chat).getByRole('listitem').filter({ hasText: 'The harbour this morning' });
    const thumbnail = sent(second.chat).getByRole('button', { name: 'Open image harbour.png' });
    await thumbnail.waitFor();
    // the thumbnail loaded: the iframe's session cookie went with the <img> request
    await thumbnail.locator('img').evaluate((img: HTMLImageElement) => (img.complete && img.naturalWidth > 0 ? null : new Promise((resolve) => img.addEventListener('load', resolve, { once: true }))));
    expect(await thumbnail.locator('img').evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight])).toEqual([320, 240]);

    await thumbnail.focus();
    await second.page.keyboard.press('Enter');
    const viewer = second.chat.getByRole('dialog', { name: 'harbour.png' });
    await viewer.waitFor();
    const full = viewer.getByRole('img', { name: 'harbour.png' });
    await full.evaluate((img: HTMLImageElement) => (img.complete && img.naturalWidth > 0 ? null : new Promise((resolve) => img.addEventListener('load', resolve, { once: true }))));
    expect(await full.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(640);
    expect(await seriousViolations(second.frame())).toEqual([]);
    await second.page.keyboard.press('Escape');
    await viewer.waitFor({ state: 'detached' });
    // focus is back on the thumbnail that opened it
    expect(await thumbnail.evaluate((button) => button === document.activeElement)).toBe(true);
  });

  it('sends a pasted image without text; a visitor who only reads sees its name, not the image', async () => {
    const carol = { ...newAccount('carol'), displayName: 'Carol Pastes' };
    const writer = await openWidget();
    await registerIn(writer.chat, carol);
    await composer(writer.chat).and(writer.chat.locator(':enabled')).waitFor();
    const bytes = [...(await picture(200, 100, '#e33'))];
    // a paste with a file in it, as a screenshot tool makes
    await composer(writer.chat).evaluate((field, data) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(data)], 'screenshot.png', { type: 'image/png' }));
      field.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true }));
    }, bytes);
    await writer.chat.getByRole('status').filter({ hasText: 'screenshot.png' }).waitFor();
    await writer.chat.getByRole('button', { name: 'Send' }).click();
    await messages(writer.chat).getByRole('button', { name: 'Open image screenshot.png' }).waitFor();

    // the demo site lets visitors read: the room opens to readers, who may not load images
    await suite.parley().repositories.rooms.update('demo', 'general', { access: 'read-only' });
    try {
      const reader = await openWidget();
      await messages(reader.chat).getByText('screenshot.png').waitFor();
      expect(await messages(reader.chat).getByRole('img').count()).toBe(0);
      expect(await seriousViolations(reader.frame())).toEqual([]);
    } finally {
      await suite.parley().repositories.rooms.update('demo', 'general', { access: 'members' });
    }
  });
});
