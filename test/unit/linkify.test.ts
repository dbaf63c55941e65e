import { limits } from '../../server/validation';
import { linkify, type Segment } from '../../widget/app/linkify';

const link = (text: string, href = text): Segment => ({ text, href });

describe('linkify(text)', () => {
  it('leaves text without a web address as one plain run', () => {
    expect(linkify('no address here, just words.')).toEqual([{ text: 'no address here, just words.' }]);
    expect(linkify('')).toEqual([]);
  });

  it('links http and https addresses, with the text around them kept as it is', () => {
    expect(linkify('a http://one.test b https://two.test/c?d=1&e=2#f')).toEqual([
      { text: 'a ' },
      link('http://one.test', 'http://one.test/'),
      { text: ' b ' },
      link('https://two.test/c?d=1&e=2#f'),
    ]);
  });

  it('keeps the address as written and links the URL it means', () => {
    expect(linkify('HTTP://Example.COM/Path')).toEqual([link('HTTP://Example.COM/Path', 'http://example.com/Path')]);
    expect(linkify('https://a.test/ä?q=ü')).toEqual([link('https://a.test/ä?q=ü', 'https://a.test/%C3%A4?q=%C3%BC')]);
  });

  it('leaves sentence punctuation after an address to the sentence', () => {
    expect(linkify('Docs: https://example.com/docs?a=1&b=2.')).toEqual([{ text: 'Docs: ' }, link('https://example.com/docs?a=1&b=2'), { text: '.' }]);
    expect(linkify('Is it http://a.test/x?!')).toEqual([{ text: 'Is it ' }, link('http://a.test/x'), { text: '?!' }]);
    expect(linkify(`'http://a.test/y', [http://b.test/z]; {http://c.test/w}:`)).toEqual([
      { text: "'" },
      link('http://a.test/y'),
      { text: "', [" },
      link('http://b.test/z'),
      { text: ']; {' },
      link('http://c.test/w'),
      { text: '}:' },
    ]);
    expect(linkify('http://a.test/..')).toEqual([link('http://a.test/'), { text: '..' }]);
  });

  it('ends an address at white space, quotes and angle brackets', () => {
    expect(linkify('"http://a.test/x"\u00a0next')).toEqual([{ text: '"' }, link('http://a.test/x'), { text: '"\u00a0next' }]);
    expect(linkify('http://a.test/<img src=x>')).toEqual([link('http://a.test/'), { text: '<img src=x>' }]);
  });

  it('keeps a ")" that closes a "(" in the address, and leaves the others to the text', () => {
    expect(linkify('(see http://wiki.test/Foo_(bar))')).toEqual([{ text: '(see ' }, link('http://wiki.test/Foo_(bar)'), { text: ')' }]);
    expect(linkify('(http://a.test/x)')).toEqual([{ text: '(' }, link('http://a.test/x'), { text: ')' }]);
    expect(linkify('http://a.test/(x)).')).toEqual([link('http://a.test/(x)'), { text: ').' }]);
    expect(linkify('http://a.test/(x.)')).toEqual([link('http://a.test/(x'), { text: '.)' }]);
  });

  it('links no other scheme, no address inside a word and no scheme alone', () => {
    for (const text of [
      'javascript:alert(1) data:text/html,x ftp://a.test mailto:a@b.test file:///etc/passwd //a.test www.a.test',
      'xhttp://a.test _https://b.test',
      'http:// and https:// and http://. and http://:',
    ]) {
      expect(linkify(text)).toEqual([{ text }]);
    }
  });
});

describe('linkify(text) on hostile text', () => {
  const length = limits.messageLength;
  /** `unit` repeated between `prefix` and `suffix`, to a message of the longest length the server accepts. */
  const fill = (unit: string, prefix = '', suffix = '') =>
    prefix + unit.repeat(length).slice(0, length - prefix.length - suffix.length) + suffix;
  const hostile: Record<string, string> = {
    "'http://' repeated": fill('http://'),
    "'http:// ' repeated": fill('http:// '),
    "'http://a ' repeated": fill('http://a '),
    // each a refused address: an exception apiece would cost ~10 µs
    "'http://. ' repeated": fill('http://. '),
    "'http://[ ' repeated": fill('http://[ '),
    "'http://%zz ' repeated": fill('http://%zz '),
    "'a.' repeated": fill('a.'),
    "'(' repeated": fill('('),
    "'http://(' repeated": fill('http://('),
    "'http://a' then '.' repeated": fill('.', 'http://a'),
    "'http://a' then '.' repeated, then a letter": fill('.', 'http://a', 'b'),
    "'http://a' then '),' repeated, then a letter": fill('),', 'http://a', 'b'),
    "'http://a' then runs of 500 '.' and a letter": fill(`${'.'.repeat(500)}b`, 'http://a'),
    "'http://a/' then '(' and ')' runs": fill(')', `http://a/${'('.repeat(length / 4)}`),
    'address characters without a scheme': fill('a-b.c/d?e=f&'),
    mixed: fill('http://a.b/(c)).,;: https:// x ( www.a.b '),
  };
  const RUNS = 21;

  it.each(Object.entries(hostile))('takes at most 5 ms per message on %s', (_, text) => {
    expect(text).toHaveLength(length);
    expect(linkify(text).map((segment) => segment.text).join('')).toBe(text);
    const times = Array.from({ length: RUNS }, () => {
      const start = performance.now();
      linkify(text);
      return performance.now() - start;
    }).sort((a, b) => a - b);
    // the median: one slow run (a collection, a busy machine) says nothing about the algorithm
    expect(times[RUNS >> 1]).toBeLessThanOrEqual(5);
  });
});
