import type { WordFilterAction } from '../../sdk/protocol';

// A site's word filter: which words and phrases of a text are on the site's list, however they are disguised.
// Pure and linear in the text: no regular expression is built from the list (a list is the site admin's input,
// a text anybody's), so neither can make matching slow.
//
// What counts as the same word (both the list and the text go through it):
// - case, compatibility forms and diacritics: "FÜCK", "ｆｕｃｋ" and "fück" are "fuck";
// - common letter and digit substitutions: "sh1t", "$hit", "@ss", "5h!t";
// - repeated letters: "fuuuuck" matches "fuck", but "as" does not match "ass" (every letter at least as often
//   as in the listed word);
// - separators between single letters: "f u c k", "f.u.c.k", "f-u-c-k", and invisible characters inside a word.
// What does not: a listed word inside a longer word ("class", "Scunthorpe", "assassin"), unless the list asks for
// it with `*`: "fuck*" also matches "fucking", "*hole" matches "asshole", "*shit*" matches "bullshitter".
// Words in scripts written without spaces (Chinese, Japanese, Thai) match anywhere in a text.

/** A listed word, a phrase of them, or one with `*` at its start and/or end. */
export type WordFilterEntry = string;

export interface WordFilterMatch {
  /** The entry of the list that matched. */
  entry: WordFilterEntry;
  /** Where the match starts and ends in the text (UTF-16 offsets, end exclusive). */
  start: number;
  end: number;
}

export interface WordFilter {
  /** Every match in `text`, in order; empty when the text is clean. */
  matches(text: string): WordFilterMatch[];
  /** `text` with each match's letters and digits replaced by `*` (spaces and punctuation kept). */
  mask(text: string): string;
}

/** A run of one letter: `count` times `letter`, from the `first`th letter of its word on. */
interface Run {
  letter: string;
  count: number;
  first: number;
}

/** A listed word as runs, and where it may sit in a word of the text. */
interface Pattern {
  runs: Run[];
  /** Its runs' letters, one code unit each (see `keyOf`): where it may sit in a word is found by `indexOf`. */
  key: string;
  /** `*` at the start: the word of the text may have letters before it. */
  open: boolean;
  /** `*` at the end: … and after it. */
  openEnd: boolean;
}

interface CompiledEntry {
  entry: WordFilterEntry;
  /** One pattern per word of a phrase. */
  words: Pattern[];
}

/** A word of the text: its letters (normalised) as runs, and where each letter is in the text. */
interface Token {
  runs: Run[];
  /** Its runs' letters, one code unit each (see `keyOf`). */
  key: string;
  /** UTF-16 offsets of each letter's character in the text, and where it ends. */
  starts: number[];
  ends: number[];
  /** Spelled out letter by letter ("a d a r n"): a listed word may start and end at any of its letters. */
  spelled: boolean;
}

// what a character may stand for: digits and symbols written for letters
const SUBSTITUTES: Readonly<Record<string, string>> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '6': 'g',
  '7': 't',
  '8': 'b',
  '9': 'g',
  '@': 'a',
  $: 's',
  '!': 'i',
  '|': 'l',
  '+': 't',
  '€': 'e',
  // Cyrillic and Greek letters that look like Latin ones
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  і: 'i',
  ї: 'i',
  ј: 'j',
  ѕ: 's',
  α: 'a',
  β: 'b',
  ε: 'e',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
};
// symbols that stand for a letter before a letter ("sh!t", "$hit"), but not at a word's end ("shit!")…
const SYMBOLS = new Set(['@', '$', '!', '|', '+', '€']);
// …except these, which also end words ("a$$", "b@")
const TRAILING_SYMBOLS = new Set(['@', '$']);
const LETTER = /[\p{L}\p{N}]/u;
const IGNORABLE = /[\p{Cf}\p{M}]/u;
// scripts written without spaces between words: their entries match anywhere
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;

/** Entries a site may list, and how long each may be. */
export const WORD_FILTER_LIMITS = { entries: 1_000, entryLength: 100 } as const;

/** What a site's list does to a message that has one of its entries. */
export const WORD_FILTER_ACTIONS = ['refuse', 'mask', 'hold'] as const satisfies readonly WordFilterAction[];

/**
 * Compiles a site's list. Entries that normalise to nothing (only punctuation, a lone `*`) match nothing.
 *
 * @example
 * const filter = compileWordFilter(['darn', 'heck*']);
 * filter.matches('D4RN it, h e c k i n g'); // two matches
 * filter.mask('what the heck'); // 'what the ****'
 */
export function compileWordFilter(entries: readonly WordFilterEntry[]): WordFilter {
  const compiled: CompiledEntry[] = [];
  for (const entry of entries) {
    const words = compileEntry(entry);
    if (words.length > 0) compiled.push({ entry, words });
  }
  // entries by the first letter of their first word; entries open at the start are tried on every word
  const byFirstLetter = new Map<string, CompiledEntry[]>();
  const anywhere: CompiledEntry[] = [];
  for (const entry of compiled) {
    const first = entry.words[0]!;
    if (first.open) anywhere.push(entry);
    else byFirstLetter.set(first.runs[0]!.letter, [...(byFirstLetter.get(first.runs[0]!.letter) ?? []), entry]);
  }

  function matches(text: string): WordFilterMatch[] {
    if (compiled.length === 0) return [];
    const tokens = tokenize(text);
    const found: WordFilterMatch[] = [];
    for (let index = 0; index < tokens.length; index += 1) {
      const token = tokens[index]!;
      // a listed word starts at the token's first run, or anywhere in a spelled-out one; open ones anywhere
      const starts = token.spelled ? token.runs.length : 1;
      for (let at = 0; at < starts; at += 1) {
        for (const { entry, words } of byFirstLetter.get(token.runs[at]!.letter) ?? []) tryEntry(entry, words, index, at);
      }
      for (const { entry, words } of anywhere) tryEntry(entry, words, index, undefined);
    }
    return found.sort((a, b) => a.start - b.start || b.end - a.end);

    function tryEntry(entry: string, words: Pattern[], index: number, at: number | undefined): void {
      if (index + words.length > tokens.length) return;
      const first = matchWord(tokens[index]!, words[0]!, at);
      if (!first) return;
      let last = first;
      for (let k = 1; k < words.length; k += 1) {
        const next = matchWord(tokens[index + k]!, words[k]!, undefined);
        if (!next) return;
        last = next;
      }
      found.push({ entry, start: first.start, end: last.end });
    }
  }

  return {
    matches,
    mask(text) {
      const spans = matches(text);
      if (spans.length === 0) return text;
      let masked = '';
      let at = 0;
      for (const { start, end } of spans) {
        if (end <= at) continue;
        const from = Math.max(start, at);
        masked += text.slice(at, from);
        for (const character of text.slice(from, end)) masked += maskCharacter(character);
        at = end;
      }
      return masked + text.slice(at);
    },
  };
}

/** Letters, digits and the symbols written for letters become `*`; marks and invisible characters go; spaces and punctuation stay. */
function maskCharacter(character: string): string {
  if (IGNORABLE.test(character)) return '';
  return LETTER.test(character) || character in SUBSTITUTES ? '*' : character;
}

/** An entry as the words of a phrase; `*` only at a word's start or end. */
function compileEntry(entry: string): Pattern[] {
  const words = entry.trim().split(/\s+/u);
  const patterns: Pattern[] = [];
  for (const word of words) {
    let open = word.startsWith('*');
    let openEnd = word.length > 1 && word.endsWith('*');
    const core = word.slice(open ? 1 : 0, openEnd ? -1 : undefined);
    const letters = normalizeWord(core);
    if (letters.length === 0) return [];
    // a word in an unspaced script has no word boundaries to respect
    if (UNSPACED.test(core)) open = openEnd = true;
    const runs = toRuns(letters);
    patterns.push({ runs, key: keyOf(runs), open, openEnd });
  }
  return patterns;
}

/** A listed word's letters, normalised as the text's are (its symbols count as letters wherever they are). */
function normalizeWord(word: string): string[] {
  const letters: string[] = [];
  for (const character of word) letters.push(...normalizeCharacter(character));
  return letters;
}

/** One character as the letters it stands for: none for marks and invisible characters, several for ligatures. */
function normalizeCharacter(character: string): string[] {
  const letters: string[] = [];
  for (const part of character.normalize('NFKD').toLowerCase()) {
    if (IGNORABLE.test(part)) continue;
    const letter = SUBSTITUTES[part] ?? part;
    if (LETTER.test(letter)) letters.push(letter);
  }
  return letters;
}

// letters outside the BMP (or made of several code units) get a code unit of their own, from a private-use range
const wideLetters = new Map<string, string>();
const WIDE_LETTERS_FROM = 0xe000;
const WIDE_LETTERS_MAX = 0x1900;

/**
 * A word's run letters as a string of one code unit per run, so that finding a listed word inside a longer one is a
 * native `indexOf` (linear in practice) rather than a comparison at every position.
 */
function keyOf(runs: readonly Run[]): string {
  let key = '';
  for (const { letter } of runs) {
    if (letter.length === 1) key += letter;
    else {
      let unit = wideLetters.get(letter);
      if (unit === undefined) {
        // past the range every wide letter shares the last unit: a candidate only, which the run check settles
        unit = String.fromCharCode(WIDE_LETTERS_FROM + Math.min(wideLetters.size, WIDE_LETTERS_MAX - 1));
        if (wideLetters.size < WIDE_LETTERS_MAX) wideLetters.set(letter, unit);
      }
      key += unit;
    }
  }
  return key;
}

function toRuns(letters: readonly string[]): Run[] {
  const runs: Run[] = [];
  letters.forEach((letter, index) => {
    const last = runs.at(-1);
    if (last?.letter === letter) last.count += 1;
    else runs.push({ letter, count: 1, first: index });
  });
  return runs;
}

/** A word of the text while it is being read: its letters, and whether it was spelled out letter by letter. */
interface Word {
  letters: string[];
  starts: number[];
  ends: number[];
  start: number;
  end: number;
  spelled: boolean;
}

/**
 * The text's words, normalised, with their places. Single letters one to three characters apart ("f u c k",
 * "f.u.c.k") are one word.
 */
function tokenize(text: string): Token[] {
  const words: Word[] = [];
  let current: Word | undefined;
  const characters = [...text];
  let offset = 0;
  for (let index = 0; index < characters.length; index += 1) {
    const character = characters[index]!;
    const next = characters[index + 1];
    const start = offset;
    offset += character.length;
    const inWord =
      LETTER.test(character) ||
      (SYMBOLS.has(character) && next !== undefined && (LETTER.test(next) || SYMBOLS.has(next))) ||
      (TRAILING_SYMBOLS.has(character) && current !== undefined);
    if (inWord) {
      const letters = normalizeCharacter(character);
      if (letters.length === 0) continue;
      current ??= { letters: [], starts: [], ends: [], start, end: start, spelled: false };
      for (const letter of letters) {
        current.letters.push(letter);
        current.starts.push(start);
        current.ends.push(offset);
      }
      current.end = offset;
    } else if (IGNORABLE.test(character)) {
      // a zero-width space or a stray mark inside a word does not split it
      continue;
    } else if (current) {
      words.push(current);
      current = undefined;
    }
  }
  if (current) words.push(current);

  const joined: Word[] = [];
  for (const word of words) {
    const last = joined.at(-1);
    const spelledOn = last !== undefined && (last.spelled || last.letters.length === 1) && word.letters.length === 1 && word.start - last.end <= 3;
    if (spelledOn) {
      last.letters.push(...word.letters);
      last.starts.push(...word.starts);
      last.ends.push(...word.ends);
      last.end = word.end;
      last.spelled = true;
    } else {
      joined.push(word);
    }
  }
  return joined.map(({ letters, starts, ends, spelled }) => {
    const runs = toRuns(letters);
    return { runs, key: keyOf(runs), starts, ends, spelled };
  });
}

/**
 * Where in a word of the text the listed word is, if it is: its runs in order, each at least as long, starting at
 * `at` (or, without it, wherever the pattern allows) and ending with the word unless the pattern ends with `*`. In a
 * spelled-out word it may start and end at any letter, and only its own letters are the match; otherwise the match
 * is the whole word.
 */
function matchWord(token: Token, pattern: Pattern, at: number | undefined): { start: number; end: number } | undefined {
  const { runs } = token;
  const wanted = pattern.runs;
  const free = token.spelled;
  const anywhere = at === undefined && (pattern.open || free);
  // the positions to try: `at`, the word's start, or (open or spelled out) wherever its letters appear in order
  let position = at ?? (anywhere ? token.key.indexOf(pattern.key) : 0);
  while (position >= 0 && position + wanted.length <= runs.length) {
    const fits =
      (pattern.open || free || position === 0) &&
      (pattern.openEnd || free || position + wanted.length === runs.length) &&
      wanted.every((run, k) => runs[position + k]!.letter === run.letter && runs[position + k]!.count >= run.count);
    if (fits) {
      if (!free) return { start: token.starts[0]!, end: token.ends.at(-1)! };
      // in a spelled-out word, the letters of the runs matched
      const firstRun = runs[position]!;
      const lastRun = runs[position + wanted.length - 1]!;
      return { start: token.starts[firstRun.first]!, end: token.ends[lastRun.first + lastRun.count - 1]! };
    }
    if (!anywhere) return undefined;
    position = token.key.indexOf(pattern.key, position + 1);
  }
  return undefined;
}
