import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { FrameLocator } from 'playwright-core';
import { createChatClient } from '../../sdk';
import { registerIn, seriousViolations } from '../helpers/browser';
import { composer, messages, widgetSuite } from '../helpers/widget-suite';
import { waitUntil } from '../helpers/chat';
import { newAccount } from '../helpers/server';

// Replies and mentions in the widget: one answers a message from its menu with the keyboard, the reply shows its
// original, and a visitor who arrives later goes to an original older than what is loaded; a message that mentions
// someone stands out for them.
const suite = widgetSuite();
const { openWidget } = suite;

describe('replies in the widget', () => {
  it('answers from the menu with the keyboard; a later visitor goes to an original older than the loaded page', async () => {
    const ada = { ...newAccount('ada'), displayName: 'Ada Asks' };
    const bob = { ...newAccount('bob'), displayName: 'Bob Answers' };
    const asker = await openWidget();
    await registerIn(asker.chat, ada);
    await composer(asker.chat).and(asker.chat.locator(':enabled')).waitFor();
    await composer(asker.chat).fill('Where does the ferry leave from?');
    await composer(asker.chat).press('Enter');

    const answerer = await openWidget();
    await registerIn(answerer.chat, bob);
    const original = messages(answerer.chat).getByRole('listitem').filter({ hasText: 'Where does the ferry leave from?' });
    await original.getByRole('button', { name: `Actions for the message from ${ada.displayName}` }).focus();
    await answerer.page.keyboard.press('Enter');
    await answerer.chat.getByRole('button', { name: 'React…' }).and(answerer.chat.locator(':focus')).waitFor();
    await answerer.page.keyboard.press('Tab');
    await answerer.page.keyboard.press('Enter');
    // the composer says what it answers, and has the focus
    await answerer.chat.getByText(`Replying to ${ada.displayName}`).waitFor();
    await composer(answerer.chat).and(answerer.chat.locator(':focus')).waitFor();
    expect(await seriousViolations(answerer.frame())).toEqual([]);
    await answerer.page.keyboard.type('From pier 4');
    await answerer.page.keyboard.press('Enter');
    const quote = (chat: FrameLocator) =>
      messages(chat).getByRole('listitem').filter({ hasText: 'From pier 4' }).getByRole('button', { name: `${ada.displayName}: Where does the ferry leave from?` });
    await quote(asker.chat).waitFor();
    await answerer.chat.getByText(`Replying to ${ada.displayName}`).waitFor({ state: 'detached' });

    // enough after it that a new visitor's first page holds the reply but not the original
    const talker = createChatClient({ baseUrl: suite.parley().url, site: 'demo' });
    suite.track(talker);
    await talker.register(newAccount('talk'));
    const room = await talker.join('general');
    for (let i = 0; i < 55; i++) await room.send(`filler ${i}`);
    // the reply again, after the fillers, through the SDK: the newest page has it
    const ferry = (await room.search('ferry')).messages.find((m) => m.text === 'Where does the ferry leave from?')!;
    await room.send('And back?', { replyTo: ferry.seq });

    const later = await openWidget();
    await registerIn(later.chat, { ...newAccount('late'), displayName: 'Late Comer' });
    const laterQuote = messages(later.chat).getByRole('listitem').filter({ hasText: 'And back?' }).getByRole('button', { name: `${ada.displayName}: Where does the ferry leave from?` });
    await laterQuote.waitFor();
    expect(await messages(later.chat).getByRole('listitem').filter({ hasText: 'Where does the ferry leave from?' }).filter({ hasNotText: 'And back?' }).count()).toBe(0);
    await laterQuote.click();
    // older pages came until the original was there, and it has the focus
    await later.frame().waitForFunction((seq) => document.activeElement?.id === `m${seq}`, ferry.seq);
  });

  it('marks a message that mentions the reader, and mentions by name from the composer', async () => {
    const eve = { ...newAccount('eve'), displayName: 'Eve Mentioned' };
    const reader = await openWidget();
    await registerIn(reader.chat, eve);
    const id = (await suite.parley().repositories.users.findByUsername('demo', eve.username))!._id.toHexString();
    const talker = createChatClient({ baseUrl: suite.parley().url, site: 'demo' });
    suite.track(talker);
    await talker.register(newAccount('talk'));
    const room = await talker.join('general');
    await room.send(`@${eve.displayName} look`, { mentions: [id] });
    await room.send('nobody in particular');
    await messages(reader.chat).getByText('nobody in particular').waitFor();
    expect(await messages(reader.chat).locator('.message.mentioned').filter({ hasText: 'look' }).count()).toBe(1);
    expect(await messages(reader.chat).locator('.message.mentioned').filter({ hasText: 'nobody in particular' }).count()).toBe(0);

    // "@Their Name" typed in the widget mentions them by id: they hear it as a mention
    const heard: string[] = [];
    room.on('mention', (message) => void heard.push(message.text));
    const name = talker.user!.displayName;
    await composer(reader.chat).fill(`@${name} thanks for the tip`);
    await composer(reader.chat).press('Enter');
    await waitUntil(() => heard.length > 0);
    expect(heard).toEqual([`@${name} thanks for the tip`]);
  });

  it('suggests people as an @ is typed: online first, picked with the keyboard, sent as a mention by id', async () => {
    const kim = { ...newAccount('kim'), displayName: 'Kim Writes' };
    const widget = await openWidget();
    await registerIn(widget.chat, kim);
    // Zoe is online; Zack only wrote earlier and left: she comes first
    const zack = createChatClient({ baseUrl: suite.parley().url, site: 'demo' });
    suite.track(zack);
    await zack.register({ ...newAccount('zack'), displayName: 'Zack Earlier' });
    await (await zack.join('general')).send('an earlier word');
    await messages(widget.chat).getByText('an earlier word').waitFor();
    zack.close();
    const zoe = createChatClient({ baseUrl: suite.parley().url, site: 'demo' });
    suite.track(zoe);
    await zoe.register({ ...newAccount('zoe'), displayName: 'Zoe Online' });
    const room = await zoe.join('general');
    await widget.chat.getByRole('list', { name: /online/i }).getByText('Zoe Online').waitFor();
    const heard: string[] = [];
    room.on('mention', (message) => void heard.push(message.text));

    const field = composer(widget.chat);
    const list = widget.chat.getByRole('listbox', { name: 'People to mention' });
    await field.focus();
    await widget.page.keyboard.type('thanks @z');
    await list.waitFor();
    expect(await list.getByRole('option').allTextContents()).toEqual(['Zoe Online', 'Zack Earlier']);
    // the field keeps the focus and points at the highlighted one
    await widget.chat.getByRole('option', { name: 'Zoe Online', selected: true }).waitFor();
    expect(await field.getAttribute('aria-activedescendant')).toBe(await list.getByRole('option').first().getAttribute('id'));
    expect(await seriousViolations(widget.frame())).toEqual([]);
    await widget.page.keyboard.press('ArrowDown');
    await widget.chat.getByRole('option', { name: 'Zack Earlier', selected: true }).waitFor();
    await widget.page.keyboard.press('ArrowDown');
    await widget.chat.getByRole('option', { name: 'Zoe Online', selected: true }).waitFor();
    // Enter picks (and sends nothing); the list closes
    await widget.page.keyboard.press('Enter');
    await list.waitFor({ state: 'hidden' });
    expect(await field.inputValue()).toBe('thanks @Zoe Online ');

    // Escape closes the list, not the panel; typing on opens it again
    await widget.page.keyboard.type('and @zo');
    await list.waitFor();
    await widget.page.keyboard.press('Escape');
    await list.waitFor({ state: 'hidden' });
    expect(await field.isVisible()).toBe(true);
    await widget.page.keyboard.press('Backspace');
    await list.getByRole('option', { name: 'Zoe Online' }).click();
    expect(await field.inputValue()).toBe('thanks @Zoe Online and @Zoe Online ');
    await widget.page.keyboard.type('see above');
    await widget.page.keyboard.press('Enter');
    await waitUntil(() => heard.length > 0);
    expect(heard).toEqual(['thanks @Zoe Online and @Zoe Online see above']);
  });

  it('shows a conversation with a reaction, a reply, a mention and an image (the README picture)', async () => {
    const shots = process.env.UPDATE_DOCS_SCREENSHOT === '1' ? 'docs' : path.join('test', 'e2e', 'artifacts');
    const mia = { ...newAccount('mia'), displayName: 'Mia Chen' };
    const widget = await openWidget();
    await registerIn(widget.chat, mia);
    const miaId = (await suite.parley().repositories.users.findByUsername('demo', mia.username))!._id.toHexString();
    const sam = createChatClient({ baseUrl: suite.parley().url, site: 'demo' });
    suite.track(sam);
    await sam.register({ ...newAccount('sam'), displayName: 'Sam Ortiz' });
    const room = await sam.join('general');
    const photo = await sharp({ create: { width: 640, height: 400, channels: 3, background: '#4a90c2' } })
      .composite([{ input: Buffer.from('<svg width="640" height="400"><rect x="0" y="260" width="640" height="140" fill="#2f6b4f"/><circle cx="520" cy="90" r="46" fill="#ffd45a"/></svg>') }])
      .png()
      .toBuffer();
    const image = await sam.upload(new Blob([new Uint8Array(photo)]), 'harbour.png');
    const shared = await room.send('The harbour at nine', { attachments: [image] });
    await room.send(`@${mia.displayName} the ferry leaves from pier 4`, { mentions: [miaId], replyTo: shared.seq });
    await room.react(shared.seq, '👍');
    await messages(widget.chat).getByText('the ferry leaves from pier 4').waitFor();
    const thumbnail = messages(widget.chat).getByRole('button', { name: 'Open image harbour.png' }).locator('img');
    await thumbnail.evaluate((img: HTMLImageElement) => (img.complete && img.naturalWidth > 0 ? null : new Promise((resolve) => img.addEventListener('load', resolve, { once: true }))));
    await messages(widget.chat).getByRole('button', { name: /reacted with 👍/ }).waitFor();
    await composer(widget.chat).fill('Thanks, see you there');
    await mkdir(shots, { recursive: true });
    await widget.page.screenshot({ path: path.join(shots, 'widget-conversation.png') });
    expect(await seriousViolations(widget.frame())).toEqual([]);
  });
});
