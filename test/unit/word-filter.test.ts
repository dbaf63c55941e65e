import { compileWordFilter } from '../../server/moderation/word-filter';

// the list a site might have; the words are stand-ins as good as any for how matching works
const filter = compileWordFilter(['fuck*', 'shit', '*shit*', 'ass', 'cunt', 'kill yourself', 'darn', 'heck', '傻瓜', 'сука']);
const matched = (text: string) => filter.matches(text).map((match) => match.entry);

describe('compileWordFilter(entries).matches(text)', () => {
  // each line: a disguise that must still be caught, and the entry that catches it
  const evasions: Array<[string, string]> = [
    ['FUCK', 'fuck*'],
    ['Fück', 'fuck*'],
    ['ｆｕｃｋ', 'fuck*'], // full-width forms
    ['f\u0301u\u0308c\u030Ck', 'fuck*'], // combining marks
    ['fuuuuuck', 'fuck*'],
    ['ffffuck', 'fuck*'],
    ['fucking', 'fuck*'],
    ['f u c k', 'fuck*'],
    ['f.u.c.k', 'fuck*'],
    ['f-u-c-k', 'fuck*'],
    ['f_u_c_k', 'fuck*'],
    ['f . u . c . k', 'fuck*'],
    ['fu\u200Bck', 'fuck*'], // a zero-width space inside
    ['fu\u00ADck', 'fuck*'], // a soft hyphen inside
    ['sh1t', 'shit'],
    ['5h!t', 'shit'],
    ['$hit', 'shit'],
    ['SHIIIIT', 'shit'],
    ['s h i t', 'shit'],
    ['bullshit', '*shit*'],
    ['bullshitter', '*shit*'],
    ['@ss', 'ass'],
    ['a$$', 'ass'],
    ['4ss', 'ass'],
    ['asssss', 'ass'],
    ['a s s', 'ass'],
    ['cunt', 'cunt'],
    ['\u0441unt', 'cunt'], // a Cyrillic с
    ['cun\u0442', 'cunt'], // a Cyrillic т
    ['kill yourself', 'kill yourself'],
    ['KILL    YOURSELF', 'kill yourself'],
    ['k1ll y0urself', 'kill yourself'],
    ['d4rn', 'darn'],
    ['h3ck!', 'heck'],
    ['你是傻瓜吗', '傻瓜'], // no spaces in Chinese: anywhere
    ['СУКА', 'сука'],
  ];

  it.each(evasions)('catches %j', (text, entry) => {
    expect(matched(`well, ${text}, really`)).toContain(entry);
  });

  // words that contain, resemble or sit next to a listed word and must pass (the Scunthorpe problem), with a list
  // of whole words (a `*` asks for words inside words, and gets them)
  const wholeWords = compileWordFilter(['fuck', 'shit', 'ass', 'cunt', 'cock', 'kill yourself', 'darn', 'heck', 'tit']);
  const innocent = [
    'Scunthorpe',
    'class',
    'assassin',
    'passage',
    'bass guitar',
    'as far as I know',
    'assess the assets',
    'cocktail',
    'shitake? no: shiitake mushrooms',
    'Essex and Sussex',
    'therapist',
    'kill the process, then yourself a coffee',
    'skills yourself',
    'darning socks',
    'heckle',
    'Matsushita',
    'sh it happens', // two words, not spelled out
    'hello! world',
    'I paid $5 for it',
    'a+b=c',
    'a s',
    'a b c d e',
    'title, petition, titular, restitution',
    'fucking', // whole words only: no `*` on this list
  ];

  it.each(innocent)('lets %j pass', (text) => {
    expect(wholeWords.matches(text)).toEqual([]);
  });

  it('gives where each match is, in order, for a phrase from its first word to its last', () => {
    const text = 'oh darn, kill  yourself';
    expect(filter.matches(text)).toEqual([
      { entry: 'darn', start: 3, end: 7 },
      { entry: 'kill yourself', start: 9, end: 23 },
    ]);
  });

  it('treats a word ending in punctuation as the word', () => {
    expect(matched('ass-')).toEqual(['ass']);
    expect(matched('(shit)')).toEqual(['shit', '*shit*']);
  });

  it('ignores entries that normalise to nothing, and matches nothing with an empty list', () => {
    expect(compileWordFilter(['', '  ', '*', '***', '!!!']).matches('anything at all !!! ***')).toEqual([]);
    expect(compileWordFilter([]).matches('fuck')).toEqual([]);
  });

  it('reads a long hostile text in linear time', () => {
    const list = compileWordFilter([
      ...Array.from({ length: 500 }, (_, i) => `a${'a'.repeat(i % 50)}b*`),
      ...Array.from({ length: 500 }, (_, i) => `*${'ab'.repeat(1 + (i % 40))}c*`),
      '*aaaa*',
    ]);
    const texts = ['a'.repeat(4_000), 'a '.repeat(2_000), 'a.'.repeat(2_000), `${'a\u0301'.repeat(1_999)}b`, '@'.repeat(4_000), 'ab'.repeat(2_000), 'a b '.repeat(1_000)];
    for (const text of texts) {
      const started = performance.now();
      list.matches(text);
      list.mask(text);
      // not a speed check: a bound hundreds of times what it takes (a few ms), to catch a quadratic or
      // backtracking matcher, which takes seconds to minutes on these
      expect(performance.now() - started).toBeLessThan(2_000);
    }
  });
});

describe('compileWordFilter(entries).mask(text)', () => {
  it('replaces the letters of each match with *, keeping spaces and punctuation', () => {
    expect(filter.mask('what the fuck, man')).toBe('what the ****, man');
    expect(filter.mask('f.u.c.k this')).toBe('*.*.*.* this');
    expect(filter.mask('$h1t!')).toBe('****!');
    expect(filter.mask('oh darn, kill  yourself now')).toBe('oh ****, ****  ******** now');
  });

  it('drops the marks and invisible characters inside a match', () => {
    expect(filter.mask('fu\u200Bck f\u0301uck')).toBe('**** ****');
  });

  it('leaves a clean text as it is', () => {
    const text = 'Scunthorpe is a town; the class passed the assessment.';
    expect(filter.mask(text)).toBe(text);
  });

  it('masks overlapping matches once', () => {
    expect(filter.mask('bullshit')).toBe('********');
    expect(filter.mask('shit')).toBe('****');
  });
});

describe('a word spelled out letter by letter', () => {
  const list = compileWordFilter(['darn', 'heck*']);

  it('is caught beside single-letter words, and only its letters are masked', () => {
    expect(list.matches('a d.a.r.n message').map((match) => match.entry)).toEqual(['darn']);
    expect(list.mask('a d.a.r.n message')).toBe('a *.*.*.* message');
    // where a spelled-out word ends is anybody's guess: the listed letters are masked, not what follows them
    expect(list.mask('I h e c k i n g said')).toBe('I * * * * i n g said');
  });

  it('does not make whole words of the letters around it', () => {
    expect(list.matches('a b c d e f g')).toEqual([]);
    expect(list.matches('x d a r')).toEqual([]);
  });
});
