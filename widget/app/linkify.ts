/** A piece of message text: plain, or a web address to link. */
export type Segment = { text: string; href?: undefined } | { text: string; href: string };

// only web addresses: javascript:, data: and the like never match, so they stay text
const WEB_ADDRESS = /\bhttps?:\/\/[^\s<>"]+/gi;
// sentence punctuation after an address belongs to the sentence
const TRAILING = /[.,;:!?'"\]}>)]+$/;

/** Splits text into plain runs and http(s) addresses; the text itself is never parsed as markup. */
export function linkify(text: string): Segment[] {
  const segments: Segment[] = [];
  let last = 0;
  for (const match of text.matchAll(WEB_ADDRESS)) {
    let candidate = match[0];
    // keep a ")" that closes a "(" in the address (Wikipedia's "Foo_(bar)"), drop the rest
    for (let trailing = TRAILING.exec(candidate); trailing; trailing = TRAILING.exec(candidate)) {
      const kept = candidate.slice(0, trailing.index);
      const closing = trailing[0].startsWith(')') && count(kept, '(') > count(kept, ')');
      candidate = closing ? `${kept})` : kept;
      if (closing) break;
    }
    const href = webUrl(candidate);
    if (!href) continue;
    if (match.index > last) segments.push({ text: text.slice(last, match.index) });
    segments.push({ text: candidate, href });
    last = match.index + candidate.length;
  }
  if (last < text.length) segments.push({ text: text.slice(last) });
  return segments;
}

const count = (text: string, char: string) => text.split(char).length - 1;

function webUrl(candidate: string): string | undefined {
  try {
    const url = new URL(candidate);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}
