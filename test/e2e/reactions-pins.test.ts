import type { FrameLocator } from 'playwright-core';
import { registerIn, seriousViolations } from '../helpers/browser';
import { composer, messages, widgetSuite } from '../helpers/widget-suite';
import { newAccount } from '../helpers/server';

// Reactions, the emoji picker and pinned messages in the widget, as two people use them: one reacts and pins with the
// keyboard only, the other sees the counts, their labels and the pin bar, and reacts with a click.
const suite = widgetSuite();
const { openWidget } = suite;

async function send(chat: FrameLocator, text: string): Promise<void> {
  await composer(chat).and(chat.locator(':enabled')).waitFor();
  await composer(chat).fill(text);
  await composer(chat).press('Enter');
  await messages(chat).getByText(text).waitFor();
}

describe('reactions and pinned messages in the widget', () => {
  it('reacts through the menu and the picker with the keyboard, toggles a chip, pins for everyone, inserts an emoji', async () => {
    const ada = { ...newAccount('ada'), displayName: 'Ada Reacts' };
    const mod = { ...newAccount('mod'), displayName: 'Mo Derator' };
    const first = await openWidget();
    await registerIn(first.chat, ada);
    const second = await openWidget();
    await registerIn(second.chat, mod);
    // made a moderator, as an admin would; the widget shows moderators' actions from the next sign-in on
    await suite.parley().repositories.users.setRole('demo', mod.username, 'moderator');
    await second.page.reload();
    await second.page.getByRole('button', { name: 'Open chat' }).click();
    await composer(second.chat).waitFor();

    await send(first.chat, 'The lighthouse opens at nine');
    const adaMessage = (chat: FrameLocator) => messages(chat).getByRole('listitem').filter({ hasText: 'The lighthouse opens at nine' });
    await adaMessage(second.chat).waitFor();

    // keyboard only: the message's menu, React…, the picker's second emoji
    await adaMessage(second.chat).getByRole('button', { name: `Actions for the message from ${ada.displayName}` }).focus();
    await second.page.keyboard.press('Enter');
    const react = second.chat.getByRole('button', { name: 'React…' });
    await react.waitFor();
    // React… comes first, and takes the focus
    expect(await react.evaluate((button) => button === document.activeElement)).toBe(true);
    await second.page.keyboard.press('Enter');
    const picker = second.chat.getByRole('region', { name: 'Pick an emoji' });
    await picker.waitFor();
    expect(await seriousViolations(second.frame())).toEqual([]);
    await second.page.keyboard.press('ArrowRight');
    await second.page.keyboard.press('Enter');
    await picker.waitFor({ state: 'detached' });
    // focus is back on the menu button it came from
    await adaMessage(second.chat)
      .getByRole('button', { name: `Actions for the message from ${ada.displayName}` })
      .and(second.chat.locator(':focus'))
      .waitFor();

    // the author sees the reaction, with words for screen readers, and adds theirs with a click
    const chip = (chat: FrameLocator, label: string) => adaMessage(chat).getByRole('button', { name: label });
    await chip(first.chat, '1 person reacted with 😂').waitFor();
    expect(await chip(first.chat, '1 person reacted with 😂').getAttribute('aria-pressed')).toBe('false');
    await chip(first.chat, '1 person reacted with 😂').click();
    await chip(first.chat, '2 people reacted with 😂').and(first.chat.locator('[aria-pressed="true"]')).waitFor();
    await chip(second.chat, '2 people reacted with 😂').waitFor();
    // and takes it back
    await chip(first.chat, '2 people reacted with 😂').click();
    await chip(second.chat, '1 person reacted with 😂').waitFor();

    // the moderator pins the message from its menu; the author sees the pin bar
    await adaMessage(second.chat).getByRole('button', { name: `Actions for the message from ${ada.displayName}` }).click();
    await second.chat.getByRole('button', { name: 'Pin message' }).click();
    await second.chat.getByRole('status').filter({ hasText: 'Message pinned.' }).waitFor();
    await second.chat.getByRole('button', { name: 'Close' }).click();
    const pinBar = (chat: FrameLocator) => chat.getByRole('button', { name: `Pinned ${ada.displayName}: The lighthouse opens at nine` });
    await pinBar(first.chat).waitFor();
    await pinBar(second.chat).waitFor();
    expect(await seriousViolations(first.frame())).toEqual([]);
    // the author's own menu has React, and no Report or Block
    await adaMessage(first.chat).getByRole('button', { name: `Actions for the message from ${ada.displayName}` }).click();
    await first.chat.getByText('Your message').waitFor();
    expect(await first.chat.getByRole('button', { name: /Report|Block/ }).count()).toBe(0);
    await first.chat.getByRole('button', { name: 'Cancel' }).click();

    // the composer's emoji button puts an emoji where the caret is
    await composer(first.chat).fill('See you there');
    await composer(first.chat).press('End');
    await first.chat.getByRole('button', { name: 'Insert an emoji' }).click();
    await first.chat.getByRole('region', { name: 'Pick an emoji' }).getByRole('button', { name: '🎉' }).click();
    await first.chat.getByRole('region', { name: 'Pick an emoji' }).waitFor({ state: 'detached' });
    expect(await composer(first.chat).inputValue()).toBe('See you there🎉');
    await composer(first.chat).and(first.chat.locator(':focus')).waitFor();

    // the moderator unpins: the bar goes for everyone
    await adaMessage(second.chat).getByRole('button', { name: `Actions for the message from ${ada.displayName}` }).click();
    await second.chat.getByRole('button', { name: 'Unpin message' }).click();
    await pinBar(first.chat).waitFor({ state: 'detached' });
  }, 120_000);
});
