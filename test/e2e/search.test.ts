import { createChatClient } from '../../sdk';
import { registerIn, seriousViolations } from '../helpers/browser';
import { messages, widgetSuite } from '../helpers/widget-suite';
import { newAccount } from '../helpers/server';

// Search in the widget, keyboard only: the header's Search opens a dialog, results come newest first, older ones on
// request, and choosing one goes to the message even when it is older than what the list has loaded.
const suite = widgetSuite();
const { openWidget } = suite;

describe('search in the widget', () => {
  it('finds messages newest first, pages on, and goes to one older than the loaded page', async () => {
    const word = `kiln${Date.now().toString(36)}`;
    const writer = suite.track(createChatClient({ baseUrl: suite.parley().url, site: 'demo' }));
    await writer.register({ ...newAccount('pots'), displayName: 'Pat Potter' });
    const room = await writer.join('general');
    // the first match is far older than a visitor's first page; twelve more, so the first press shows ten
    const oldest = await room.send(`The ${word} opens at noon`);
    for (let i = 0; i < 60; i++) await room.send(`filler ${i}`);
    for (let i = 1; i <= 12; i++) await room.send(`${word} batch ${i}`);
    await room.send('nothing to find here');

    const widget = await openWidget();
    await registerIn(widget.chat, { ...newAccount('seek'), displayName: 'Sam Seeker' });
    await messages(widget.chat).getByText('nothing to find here').waitFor();
    const search = widget.chat.getByRole('button', { name: 'Search', exact: true });
    await search.focus();
    await widget.page.keyboard.press('Enter');
    const dialog = widget.chat.getByRole('dialog', { name: 'Search messages' });
    const field = dialog.getByRole('searchbox', { name: 'Search messages' });
    await field.and(widget.chat.locator(':focus')).waitFor();
    expect(await seriousViolations(widget.frame())).toEqual([]);

    // nothing found says so
    await widget.page.keyboard.type('zzzunfindable');
    await widget.page.keyboard.press('Enter');
    await dialog.getByRole('status').getByText('No messages found').waitFor();

    await field.fill(word);
    await widget.page.keyboard.press('Enter');
    const results = dialog.getByRole('list', { name: 'Search messages' }).getByRole('button');
    await dialog.getByRole('status').getByText(/^\d+ messages found$/).waitFor();
    const firstPage = await results.allTextContents();
    expect(firstPage.length).toBeGreaterThanOrEqual(10);
    expect(firstPage[0]).toContain(`${word} batch 12`);
    expect(firstPage[1]).toContain(`${word} batch 11`);
    expect(firstPage.every((text) => text.startsWith('Pat Potter'))).toBe(true);
    expect(await seriousViolations(widget.frame())).toEqual([]);

    // older ones on request, until the start of the room
    const older = dialog.getByRole('button', { name: 'Search older messages' });
    while (!(await results.filter({ hasText: 'opens at noon' }).count())) {
      await older.click();
      await dialog.getByRole('status').getByText(/^\d+ messages found$/).waitFor();
    }
    await dialog.getByRole('status').getByText('13 messages found').waitFor();
    await older.waitFor({ state: 'hidden' });

    // the oldest, chosen with the keyboard: the dialog closes and the message, loaded on the way, has the focus
    await results.filter({ hasText: 'opens at noon' }).focus();
    await widget.page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await widget.frame().waitForFunction((seq) => document.activeElement?.id === `m${seq}`, oldest.seq);

    // Escape closes the search, not the panel, and gives the focus back to Search
    await search.click();
    await field.waitFor();
    await widget.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await search.and(widget.chat.locator(':focus')).waitFor();
    expect(await messages(widget.chat).isVisible()).toBe(true);
  });

  it('serves readers too, in their language', async () => {
    // the demo site lets visitors read: the room opens to readers, who may search it
    await suite.parley().repositories.rooms.update('demo', 'general', { access: 'read-only' });
    try {
      for (const [locale, button, title] of [
        ['es-ES', 'Buscar', 'Buscar mensajes'],
        ['zh-CN', '搜索', '搜索消息'],
      ] as const) {
        const reader = await openWidget({ locale });
        await reader.chat.getByRole('button', { name: button, exact: true }).click();
        const dialog = reader.chat.getByRole('dialog', { name: title });
        await dialog.getByRole('searchbox', { name: title }).fill('batch');
        await reader.page.keyboard.press('Enter');
        await dialog.getByRole('list', { name: title }).getByRole('button').first().waitFor();
        expect(await seriousViolations(reader.frame())).toEqual([]);
        await reader.page.keyboard.press('Escape');
        await dialog.waitFor({ state: 'detached' });
      }
    } finally {
      await suite.parley().repositories.rooms.update('demo', 'general', { access: 'members' });
    }
  });
});
