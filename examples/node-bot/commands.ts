// What the bot answers, apart from the process that runs it: pure, so it is tested without a server.

/** The commands the bot answers, with what `!help` says about each. */
export const commands = {
  '!help': 'this list',
  '!time': 'the current time in UTC (ISO 8601)',
} as const;

/**
 * The bot's answer to a message, or null when the text is not a command. Matched on the trimmed text,
 * case-insensitive and exact: " !TIME " is a command, "!time please" is not.
 *
 * @example
 * replyTo('!time', new Date('2026-11-23T17:05:00Z')); // 'It is 2026-11-23T17:05:00.000Z (UTC).'
 */
export function replyTo(text: string, now: Date = new Date()): string | null {
  switch (text.trim().toLowerCase()) {
    case '!help':
      return `Commands: ${Object.entries(commands)
        .map(([name, what]) => `${name} — ${what}`)
        .join('; ')}.`;
    case '!time':
      return `It is ${now.toISOString()} (UTC).`;
    default:
      return null;
  }
}
