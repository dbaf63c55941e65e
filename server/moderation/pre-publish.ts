import type { Logger } from 'pino';
import { z } from 'zod';
import type { Author, PrePublishAnswer, PrePublishCall, PrePublishHook, Role } from '../../sdk/protocol';
import type { SitesRepository } from '../db/sites';
import { AppError } from '../errors';
import { OutboundHttp } from '../outbound';
import { ReadCache } from '../read-cache';
import { sign, SIGNATURE_HEADER } from '../signing';
import { cleanText, limits } from '../validation';

// how long a node trusts a site's hook it read: a change applies on the node that made it at once, elsewhere within this
const CACHE_MS = 5_000;
// an answer is a few bytes of JSON; past this the receiver is not answering, it is flooding
const MAX_ANSWER_BYTES = 64 * 1024;

const answerSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('allow') }),
  z.object({ action: z.literal('deny'), reason: z.string().trim().min(1).max(200).optional() }),
  z.object({ action: z.literal('replace'), text: cleanText('text', limits.messageLength, { multiline: true }) }),
]) satisfies z.ZodType<PrePublishAnswer, unknown>;

/** What the hook is asked about: a new message, or an edit of message `seq`. */
export interface PrePublishQuestion {
  siteId: string;
  roomId: string;
  seq?: number;
  author: Author & { role: Role };
  text: string;
}

export type HookOutcome = 'allowed' | 'denied' | 'replaced' | 'failed-open' | 'failed-closed';

export interface PrePublishOptions {
  sites: Pick<SitesRepository, 'findById'>;
  /** HOOKS_ALLOW_PRIVATE: plain http and private addresses allowed (the operator's own network, tests). */
  allowPrivate: boolean;
  log: Logger;
  onOutcome?: (outcome: HookOutcome) => void;
  now?: () => number;
}

/**
 * Each site's optional pre-publish hook: its own moderation service, asked before a message or an edit is stored.
 * The call is signed, bounded in time and in the answer's size, goes to public addresses only (unless the operator
 * allows private ones) and follows no redirect; whatever goes wrong counts as no answer, which the site's
 * `failOpen` decides.
 */
export class PrePublishHooks {
  private readonly hooks: ReadCache<(PrePublishHook & { secret: string }) | null>;
  private readonly outbound: OutboundHttp;

  constructor(private readonly options: PrePublishOptions) {
    this.hooks = new ReadCache(async (siteId) => (await options.sites.findById(siteId))?.prePublish ?? null, CACHE_MS, options.now);
    this.outbound = new OutboundHttp(options.allowPrivate);
  }

  /** Closes the connections kept open to hooks (shutdown). */
  close(): void {
    this.outbound.close();
  }

  /** The site's hook changed on this node: the next message reads it again. */
  forget(siteId: string): void {
    this.hooks.forget(siteId);
  }

  /**
   * The text to store: as sent, or the hook's replacement. Throws `forbidden` (reason `hook`, the hook's words) when
   * it denies, and `unavailable` when it does not answer and the site fails closed.
   */
  async check(question: PrePublishQuestion): Promise<string> {
    const hook = await this.hooks.get(question.siteId);
    if (!hook) return question.text;
    const call: PrePublishCall = {
      type: 'message.pre-publish',
      site: question.siteId,
      room: question.roomId,
      ...(question.seq === undefined ? {} : { seq: question.seq }),
      author: question.author,
      text: question.text,
      sentAt: new Date(this.options.now?.() ?? Date.now()).toISOString(),
    };
    let answer: PrePublishAnswer;
    try {
      answer = answerSchema.parse(await this.post(hook, JSON.stringify(call)));
    } catch (error) {
      // no query string in the log: receivers often take a token there
      const { origin, pathname } = new URL(hook.url);
      this.options.log.warn({ siteId: question.siteId, url: `${origin}${pathname}`, err: error }, 'pre-publish hook failed');
      this.options.onOutcome?.(hook.failOpen ? 'failed-open' : 'failed-closed');
      if (hook.failOpen) return question.text;
      // with a reason: the server did answer, so the SDK offers Retry rather than sending again by itself
      throw new AppError('unavailable', "the site's message check is not answering; try again in a moment", undefined, undefined, 'hook');
    }
    if (answer.action === 'deny') {
      this.options.onOutcome?.('denied');
      throw new AppError('forbidden', answer.reason ?? 'the site did not accept this message', 'text', undefined, 'hook');
    }
    this.options.onOutcome?.(answer.action === 'replace' ? 'replaced' : 'allowed');
    return answer.action === 'replace' ? answer.text : question.text;
  }

  /** POSTs the signed body; resolves with the parsed JSON of a 2xx answer, rejects on anything else. */
  private async post(hook: PrePublishHook & { secret: string }, body: string): Promise<unknown> {
    const answer = await this.outbound.post(hook.url, body, { 'user-agent': 'Parley pre-publish hook', [SIGNATURE_HEADER]: sign(hook.secret, body) }, hook.timeoutMs, MAX_ANSWER_BYTES);
    if (answer.status < 200 || answer.status > 299) throw new Error(`answered ${answer.status}`);
    if (answer.body.length >= MAX_ANSWER_BYTES) throw new Error(`answer over ${MAX_ANSWER_BYTES} bytes`);
    return JSON.parse(answer.body.toString('utf8'));
  }
}
