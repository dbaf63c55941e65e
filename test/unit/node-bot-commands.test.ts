import { commands, replyTo } from '../../examples/node-bot/commands';

// The example bot's answers, without a server; the running bot is tested in test/integration/examples/node-bot.test.ts.

describe('replyTo(text, now)', () => {
  const now = new Date('2026-11-23T17:05:00Z');

  it('answers !time with the given time in UTC as ISO 8601', () => {
    expect(replyTo('!time', now)).toBe('It is 2026-11-23T17:05:00.000Z (UTC).');
  });

  it('answers !time with the current time when no time is given', () => {
    jest.useFakeTimers({ now: new Date('2030-01-02T03:04:05.678Z') });
    try {
      expect(replyTo('!time')).toBe('It is 2030-01-02T03:04:05.678Z (UTC).');
    } finally {
      jest.useRealTimers();
    }
  });

  it('answers !help with every command', () => {
    const reply = replyTo('!help', now);
    for (const name of Object.keys(commands)) expect(reply).toContain(name);
  });

  it('matches on the trimmed text, case-insensitive', () => {
    expect(replyTo('  !TIME\n', now)).toBe(replyTo('!time', now));
    expect(replyTo('!Help ', now)).toBe(replyTo('!help', now));
  });

  it.each(['hello', '', '   ', '!time please', 'what is the !time', '!times', '! time', 'time', '!'])('ignores %j', (text) => {
    expect(replyTo(text, now)).toBeNull();
  });
});
