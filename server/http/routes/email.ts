import '@koa/bodyparser';
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { EmailAddressRequest, EmailNotifyRequest, EmailSettings, EmailSettingsResponse } from '../../../sdk/protocol';
import type { Repositories } from '../../db';
import type { SiteDocument } from '../../db/sites';
import { settingsOf } from '../../db/sites';
import type { UserDocument } from '../../db/users';
import { forbidden, notFound, unavailable } from '../../errors';
import { emailLocale, linkPage, verificationEmail } from '../../email/compose';
import { chatPage, type EmailLinks, type LinkUse } from '../../email/links';
import type { Mailer } from '../../email/mailer';
import { definedOf, parseInput } from '../../validation';
import { ownOriginOf } from '../origins';
import type { AuthRateLimiter } from '../rate-limits';
import { createRouter } from '../router';
import { type ApiState, requireUser } from '../require-user';

export const emailAddressSchema = z.strictObject({
  address: z.email({ error: 'address must be an email address' }).max(254, { error: 'address must be at most 254 characters' }),
  page: z.string({ error: 'page must be a web address' }).max(2_048, { error: 'page must be at most 2048 characters' }).optional(),
  locale: z.string({ error: 'locale must be a language tag' }).max(35, { error: 'locale must be a language tag' }).optional(),
}) satisfies z.ZodType<EmailAddressRequest, unknown>;

export const emailNotifySchema = z.strictObject({
  notify: z.boolean({ error: 'notify must be true or false' }),
}) satisfies z.ZodType<EmailNotifyRequest, unknown>;

export interface EmailRoutesOptions {
  repositories: Repositories;
  /** Unset when the server has no SMTP_URL: nobody may add an address, and the settings say email is not available. */
  mailer: Mailer | undefined;
  links: EmailLinks;
  rateLimiter: Pick<AuthRateLimiter, 'emailLink'>;
  publicUrl: string | undefined;
  log: Logger;
}

/** Identified users' addresses come from the site's token; guests have none. */
const fromSite = (user: UserDocument) => user.usernameKey.startsWith('external:');

const settingsFor = (user: UserDocument, site: SiteDocument, mailer: Mailer | undefined): EmailSettings => ({
  available: mailer !== undefined && settingsOf(site).emailDigests,
  ...(user.email ? { address: user.email } : {}),
  ...(user.emailPending ? { pending: user.emailPending } : {}),
  ...(fromSite(user) ? { fromSite: true } : {}),
  notify: !user.emailOff,
});

/**
 * The signed-in user's address for digests (members add one, confirmed by a link sent to it; identified users bring
 * theirs in the site's token) and their own switch; and the pages the emails' links open, which need no session.
 */
export function emailRoutes({ repositories, mailer, links, rateLimiter, publicUrl, log }: EmailRoutesOptions): { api: Router<ApiState>; pages: Router } {
  const { users, sites, emailDigests } = repositories;
  const api = createRouter<ApiState>('/api/sites/:siteId/me/email');
  const signedIn = requireUser(users);

  api.get('/', signedIn, (ctx) => {
    ctx.body = { email: settingsFor(ctx.state.user, ctx.state.site, mailer) } satisfies EmailSettingsResponse;
  });

  api.put('/', signedIn, async (ctx) => {
    const { address, page, locale } = parseInput(emailAddressSchema, ctx.request.body);
    const { user, site } = ctx.state;
    if (user.role === 'guest') throw forbidden('guests cannot get email; sign up first');
    if (fromSite(user)) throw forbidden('your address comes from the site you signed in on');
    if (!mailer || !settingsOf(site).emailDigests) throw forbidden('this site sends no email');
    const seen = { locale: emailLocale(locale), ...definedOf({ page: chatPage(page, site.allowedOrigins, ownOriginOf(publicUrl, ctx.req.headers, ctx.secure)) }) };
    if (address !== user.email) {
      await rateLimiter.emailLink(user._id.toHexString());
      await users.setPendingEmail(user, address, seen);
      const url = await links.url({ use: 'verify', siteId: site._id, userId: user._id.toHexString(), address });
      try {
        await mailer.send({ to: address, ...verificationEmail({ locale: seen.locale, site: site.name, url }) });
      } catch (error) {
        log.warn({ err: error, siteId: site._id }, 'sending a confirmation email failed');
        throw unavailable('the email could not be sent; try again later');
      }
    }
    ctx.status = 202;
    ctx.body = { email: settingsFor({ ...user, ...seen, ...(address === user.email ? {} : { emailPending: address }) }, site, mailer) } satisfies EmailSettingsResponse;
  });

  api.patch('/', signedIn, async (ctx) => {
    const { notify } = parseInput(emailNotifySchema, ctx.request.body);
    const { user, site } = ctx.state;
    if (!(await users.setEmailNotify(site._id, user._id.toHexString(), notify))) throw notFound('user');
    if (!notify) await emailDigests.forget(user._id);
    const { emailOff: _off, ...rest } = user;
    ctx.body = { email: settingsFor(notify ? rest : { ...rest, emailOff: true }, site, mailer) } satisfies EmailSettingsResponse;
  });

  api.delete('/', signedIn, async (ctx) => {
    const { user, site } = ctx.state;
    if (fromSite(user) && user.email) throw forbidden('your address comes from the site you signed in on; turn notifications off instead');
    await users.removeEmail(user);
    await emailDigests.forget(user._id);
    const { email: _email, emailPending: _pending, ...rest } = user;
    ctx.body = { email: settingsFor(rest, site, mailer) } satisfies EmailSettingsResponse;
  });

  // the links in emails: a page asking to confirm (GET: a mail scanner that fetches links does nothing), then the POST
  // that does it; an unsubscribe link's POST is also RFC 8058's one-click unsubscribe, which mail clients send themselves
  const pages = createRouter('/email');
  const page = (ctx: Context, use: LinkUse, state: 'ask' | 'done' | 'invalid', site?: string) => {
    ctx.status = state === 'invalid' ? 400 : 200;
    ctx.type = 'text/html; charset=utf-8';
    ctx.set('Cache-Control', 'no-store');
    // the token is in the address: never sent on to anywhere this page might link
    ctx.set('Referrer-Policy', 'no-referrer');
    // inline styles and a form posting back here; nothing else
    ctx.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    ctx.body = linkPage(emailLocale(ctx.acceptsLanguages('en', 'es', 'zh') || undefined), { use, state, ...(site ? { site } : {}) });
  };
  const tokenOf = (ctx: Context) => (typeof ctx.query.token === 'string' && ctx.query.token.length <= 1_000 ? ctx.query.token : '');

  for (const use of ['verify', 'unsubscribe'] as const) {
    pages.get(`/${use}`, async (ctx) => page(ctx, use, (await links.read(tokenOf(ctx), use)) ? 'ask' : 'invalid'));
  }
  pages.post('/verify', async (ctx) => {
    const claims = await links.read(tokenOf(ctx), 'verify');
    const confirmed = claims?.address !== undefined && (await users.confirmEmail(claims.siteId, claims.userId, claims.address));
    page(ctx, 'verify', confirmed ? 'done' : 'invalid');
  });
  pages.post('/unsubscribe', async (ctx) => {
    const claims = await links.read(tokenOf(ctx), 'unsubscribe');
    const site = claims && (await sites.findById(claims.siteId));
    if (!claims || !site || !(await users.setEmailNotify(claims.siteId, claims.userId, false))) return page(ctx, 'unsubscribe', 'invalid');
    const user = await users.findById(claims.siteId, claims.userId);
    if (user) await emailDigests.forget(user._id);
    page(ctx, 'unsubscribe', 'done', site.name);
  });

  return { api, pages };
}
