// Every string the app shows, in one catalog per language: English here (the fallback and the common case), the others
// in i18n/, each a lazy chunk that only its readers download. Server error messages arrive in English and are shown
// as they are, but for refusals the reader can act on (`refusals`, by reason). `{n}` is a number formatted for the
// locale, `{name}`/`{names}` are display names.

import type { RefusalReason } from '../../sdk';

/** One string per CLDR plural category the language uses; `other` is always there. */
type Plural = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };

export interface Strings {
  pageTitle: string;
  welcomeTitle: string;
  welcomeSubtitle: string;
  loading: string;
  notSetUp: string;
  unreachable: string;
  unknownSite: string;
  somethingWrong: string;
  tryAgain: string;
  minimise: string;
  logOut: string;
  search: string;
  /** The header's button to the user's account (email notifications, their data). */
  account: string;
  register: string;
  online: string;
  onlineCount: Plural;
  connecting: string;
  offline: string;
  joining: string;
  messages: string;
  empty: string;
  start: string;
  loadingOlder: string;
  deleted: string;
  hidden: string;
  edited: string;
  newMessages: Plural;
  typingOne: string;
  typingTwo: string;
  typingMany: string;
  message: string;
  placeholder: string;
  send: string;
  charactersLeft: Plural;
  charactersOver: Plural;
  slowMode: Plural;
  slowModeWait: Plural;
  paused: string;
  sending: string;
  queued: string;
  failed: string;
  retry: string;
  discard: string;
  actionsOf: string;
  signInToChat: string;
  backToChat: string;
  guestTag: string;
  // reactions and the emoji picker
  reactedWith: Plural;
  insertEmoji: string;
  /** The pin bar's label. */
  pinned: string;
  // images
  attachImage: string;
  /** Takes back the images chosen for the next message. */
  removeImages: string;
  /** A thumbnail's button, which opens the image; {name} is its file name. */
  openImage: string;
  uploading: string;
  // replies
  /** Above the composer while replying; {name} is the original's author. */
  replyingTo: string;
  cancelReply: string;
  /** Refusals the reader can act on, by the server's reason; others show the server's words. */
  refusals: Partial<Record<RefusalReason, string>>;
}

const en: Strings = {
  pageTitle: 'Parley chat',
  welcomeTitle: 'Chat',
  welcomeSubtitle: 'Talk with us and other visitors',
  loading: 'Loading…',
  notSetUp: 'This chat is not set up: its address names no site.',
  unreachable: 'The chat is not reachable right now.',
  unknownSite: 'Chat is not available on this site.',
  somethingWrong: 'Something went wrong. Please try again.',
  tryAgain: 'Try again',
  minimise: 'Minimise chat',
  logOut: 'Log out',
  search: 'Search',
  account: 'Account',
  register: 'Register',
  online: 'Online',
  onlineCount: { one: '{n} online', other: '{n} online' },
  connecting: 'Connecting…',
  offline: 'You are offline. Reconnecting…',
  joining: 'Joining the room…',
  messages: 'Messages',
  empty: 'No messages yet. Say hello!',
  start: 'This is the start of the conversation.',
  loadingOlder: 'Loading older messages…',
  deleted: 'Message deleted',
  hidden: 'Hidden while moderators review it',
  edited: '(edited)',
  newMessages: { one: '{n} new message', other: '{n} new messages' },
  typingOne: '{name} is typing…',
  typingTwo: '{names} are typing…',
  typingMany: 'Several people are typing…',
  message: 'Message',
  placeholder: 'Write a message…',
  send: 'Send',
  charactersLeft: { one: '{n} character left', other: '{n} characters left' },
  charactersOver: { one: '{n} character too many', other: '{n} characters too many' },
  slowMode: { one: 'Slow mode: one message every second', other: 'Slow mode: one message every {n} seconds' },
  slowModeWait: { one: 'Slow mode: you can send again in {n} second', other: 'Slow mode: you can send again in {n} seconds' },
  paused: 'This room is paused: only moderators can post right now.',
  sending: 'Sending…',
  queued: 'Waiting for the connection…',
  failed: 'Not sent.',
  retry: 'Retry',
  discard: 'Discard',
  actionsOf: 'Actions for the message from {name}',
  signInToChat: 'Sign in to chat',
  backToChat: 'Back to the chat',
  guestTag: 'guest',
  // reactions and the emoji picker
  reactedWith: { one: '{n} person reacted with {emoji}', other: '{n} people reacted with {emoji}' },
  pinned: 'Pinned',
  insertEmoji: 'Insert an emoji',
  attachImage: 'Attach an image',
  removeImages: 'Remove the images',
  openImage: 'Open image {name}',
  uploading: 'Uploading…',
  replyingTo: 'Replying to {name}',
  cancelReply: 'Cancel the reply',
  refusals: {
    'read-only': 'Guests can read this room but not post in it.',
    links: 'Links are not allowed for your rank on this site.',
    'mention-everyone': 'You cannot mention everyone on this site.',
    muted: 'You are muted in this room for now.',
    paused: 'This room is paused: only moderators can post right now.',
    archived: 'This room is archived: it takes no new messages.',
    'word-filter': 'Your message contains words this site does not allow.',
    banned: 'You are banned from this site.',
  },
};

// by language subtag; each import() becomes a chunk of its own under dist/widget/chunks/
const catalogs: Record<string, () => Promise<Strings>> = {
  en: () => Promise.resolve(en),
  es: () => import('./i18n/es').then((module) => module.es),
  zh: () => import('./i18n/zh').then((module) => module.zh),
};

/** The active language's strings; set once by `chooseLocale` before the first render. */
export let t: Strings = en;
/** The BCP 47 tag the dates, numbers and plurals follow: the one asked for, when its language has a catalog. */
export let locale = 'en';

// built once per locale: a message list formats hundreds of dates per render
const formatters = (tag: string) => ({
  number: new Intl.NumberFormat(tag),
  plural: new Intl.PluralRules(tag),
  list: new Intl.ListFormat(tag, { type: 'conjunction' }),
  time: new Intl.DateTimeFormat(tag, { hour: 'numeric', minute: '2-digit' }),
  full: new Intl.DateTimeFormat(tag, { dateStyle: 'full', timeStyle: 'short' }),
  day: new Intl.DateTimeFormat(tag, { weekday: 'long', month: 'long', day: 'numeric' }),
  dayInYear: new Intl.DateTimeFormat(tag, { weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' }),
  relative: new Intl.RelativeTimeFormat(tag, { numeric: 'auto' }),
});
let format = formatters(locale);

/**
 * Picks the first of `wanted` (the host's setting, then the browser's languages) whose language has a catalog,
 * else English; loads that catalog and sets `<html lang>` and the page title. Await it before the first render,
 * so a Spanish reader never sees English first. A catalog that fails to load leaves everything English, dates too:
 * the page's language is the one its words are in.
 */
export async function chooseLocale(wanted: ReadonlyArray<string | undefined>): Promise<void> {
  for (const tag of wanted) {
    const load = tag ? catalogs[tag.split('-')[0]!.toLowerCase()] : undefined;
    if (!load || !tag) continue;
    let chosen: ReturnType<typeof formatters>;
    try {
      chosen = formatters(tag);
    } catch {
      continue; // a tag Intl refuses
    }
    // after a deploy, an app.js cached from the previous build may ask for a chunk that is gone
    const catalog = await load().catch(() => undefined);
    if (catalog) {
      format = chosen;
      locale = format.number.resolvedOptions().locale;
      t = catalog;
    }
    break;
  }
  document.documentElement.lang = locale;
  document.title = t.pageTitle;
}

/** Fills `{name}`-style holes; numbers are written the locale's way. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (hole, key: string) => {
    const value = values[key];
    return value === undefined ? hole : typeof value === 'number' ? format.number.format(value) : value;
  });
}

/** The plural form for `n` in the active language, with `{n}` filled. */
export function plural(forms: Plural, n: number): string {
  return fill(forms[format.plural.select(n)] ?? forms.other, { n });
}

/** "Ada is typing…", "Ada and Bob are typing…", with the language's own "and". */
export function describeTyping(names: readonly string[]): string {
  if (names.length === 0) return '';
  if (names.length === 1) return fill(t.typingOne, { name: names[0]! });
  if (names.length === 2) return fill(t.typingTwo, { names: format.list.format(names) });
  return t.typingMany;
}

const DAY_MS = 86_400_000;
const startOfDay = (date: Date) => new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();

/** The hour and minute, as the locale writes them. */
export const formatTime = (date: Date): string => format.time.format(date);

/** The full date and time, for a tooltip. */
export const formatDateTime = (date: Date): string => format.full.format(date);

/** A day separator: "Today", "Yesterday" (the locale's own words), then the weekday and date; the year when not this one. */
export function formatDay(date: Date, now = new Date()): string {
  const days = Math.round((startOfDay(now) - startOfDay(date)) / DAY_MS);
  if (days === 0 || days === 1) {
    const word = format.relative.format(-days, 'day');
    return word.charAt(0).toLocaleUpperCase(locale) + word.slice(1);
  }
  return (date.getFullYear() === now.getFullYear() ? format.day : format.dayInYear).format(date);
}

/** Whether two dates fall on the same local day. */
export const sameDay = (a: Date, b: Date) => startOfDay(a) === startOfDay(b);
