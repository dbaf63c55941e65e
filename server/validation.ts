import { z } from 'zod';
import { invalidInput } from './errors';

/** Limits shared by the HTTP API and the hub. */
export const limits = {
  messageLength: 4000,
  historyPageSize: 100,
  recentMessages: 50,
  catchUpPage: 500,
  /** What one answer of messages (join, catch-up, history) may weigh as JSON: the rest comes with `more`. */
  pageBytes: 256 * 1024,
} as const;

const controlCharacters = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u2028\u2029]/;
// embeddings, overrides and isolates: a name could otherwise read backwards, or reorder the text around it
const bidiControls = /[\u202A-\u202E\u2066-\u2069]/;
const lineUnsafe = new RegExp(`${controlCharacters.source}|${bidiControls.source}|\n`, 'g');

/** The text without what `cleanText` refuses in a single line (control characters, line breaks, bidi controls). */
export const withoutControls = (text: string): string => text.replace(lineUnsafe, '');

const textUnsafe = new RegExp(`${controlCharacters.source}|${bidiControls.source}`, 'g');
/** The text without control characters and bidi controls, its line breaks kept (a message as an email shows it). */
export const withoutControlsKeepingLines = (text: string): string => text.replace(textUnsafe, '');

/** The object without its undefined values (a spread would let them overwrite, and JSON would keep their keys out anyway). */
export function definedOf<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, each]) => each !== undefined)) as Partial<T>;
}

/** Normalises user text (CRLF → LF, NFC, trimmed) and refuses what cannot be displayed safely. */
export const cleanText = (label: string, max: number, { multiline, mayBeEmpty = false }: { multiline: boolean; mayBeEmpty?: boolean }) =>
  z
    .string({ error: `${label} must be a string` })
    .transform((value) => value.replace(/\r\n?/g, '\n').normalize('NFC').trim())
    .check((ctx) => {
      const value = ctx.value;
      const length = [...value].length;
      if (length === 0) {
        if (!mayBeEmpty) ctx.issues.push({ code: 'custom', message: `${label} is empty`, input: value });
      } else if (length > max) ctx.issues.push({ code: 'custom', message: `${label} is longer than ${max} characters`, input: value });
      else if (!value.isWellFormed()) ctx.issues.push({ code: 'custom', message: `${label} is not valid Unicode`, input: value });
      else if (controlCharacters.test(value) || (!multiline && (value.includes('\n') || bidiControls.test(value))))
        ctx.issues.push({ code: 'custom', message: `${label} contains control characters`, input: value });
    });

/** Site and room ids: 1–40 of a-z, 0-9 and -. */
export const ID_PATTERN = /^[a-z0-9-]{1,40}$/;
export const isId = (value: unknown): value is string => typeof value === 'string' && ID_PATTERN.test(value);

/** User ids and moderation-log ids (MongoDB ObjectIds), and upload ids (12 random bytes): 24 lower-case hex digits. */
export const OBJECT_ID_PATTERN = /^[0-9a-f]{24}$/;

export const roomIdSchema = z.string({ error: 'room id must be a string' }).regex(ID_PATTERN, 'room id must be 1–40 of a-z, 0-9 and -');

/** A message's place in its room. */
export const seqSchema = z.number({ error: 'seq must be a number' }).int().min(1);

/** Parse, don't trust: the schema's output or a typed `invalid_input` naming the first bad field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue?.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    throw invalidInput([...issue.path.map(String), key].join('.'), `unknown field "${key}"`);
  }
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : undefined;
  const message = issue?.code === 'invalid_type' && issue.path.length === 0 ? 'expected a JSON object' : (issue?.message ?? 'invalid input');
  throw invalidInput(field, message);
}
