import { z } from 'zod';
import { AppError } from '../../server/errors';
import { cleanText, parseInput } from '../../server/validation';

const schema = z.object({ text: cleanText('message', 10, { multiline: true }) });
const parse = (input: unknown) => parseInput(schema, input);
const failure = (input: unknown) => {
  try {
    parse(input);
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
};

describe('cleanText()', () => {
  it('trims, turns CRLF into LF and normalises to NFC', () => {
    expect(parse({ text: '  e\u0301\r\nx  ' })).toEqual({ text: '\u00e9\nx' });
  });

  it('counts characters, not UTF-16 code units', () => {
    expect(parse({ text: '😀'.repeat(10) }).text).toHaveLength(20);
    expect(failure({ text: '😀'.repeat(11) })).toMatchObject({ code: 'invalid_input', field: 'text' });
  });

  it.each([
    ['a lone surrogate', '\ud800x', 'message is not valid Unicode'],
    ['a NUL byte', 'a\u0000b', 'message contains control characters'],
    ['an escape sequence', '\u001b[31m', 'message contains control characters'],
    ['a line separator', 'a\u2028b', 'message contains control characters'],
    ['only spaces', '    ', 'message is empty'],
  ])('refuses %s', (_label, text, message) => {
    const error = failure({ text });
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'invalid_input', field: 'text', message });
  });

  it('refuses bidi overrides in single-line text such as display names', () => {
    const name = z.object({ name: cleanText('display name', 40, { multiline: false }) });
    expect(() => parseInput(name, { name: 'admin\u202Egnp.exe' })).toThrow(expect.objectContaining({ field: 'name' }));
    expect(parseInput(name, { name: 'שלום Ada' })).toEqual({ name: 'שלום Ada' });
  });

  it('refuses unknown fields, naming the first one', () => {
    const strict = z.strictObject({ text: cleanText('message', 10, { multiline: true }) });
    expect(() => parseInput(strict, { text: 'hi', $where: '1' })).toThrow(
      expect.objectContaining({ code: 'invalid_input', field: '$where', message: 'unknown field "$where"' }),
    );
  });

  it('refuses operator objects and non-objects as typed errors', () => {
    expect(failure({ text: { $ne: '' } })).toMatchObject({ code: 'invalid_input', field: 'text' });
    expect(failure('hello')).toMatchObject({ code: 'invalid_input', message: 'expected a JSON object' });
  });
});
