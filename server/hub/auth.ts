import { parse as parseCookies } from 'cookie';
import Keygrip from 'keygrip';
import type { HandshakeErrorData } from '../../sdk/protocol';
import type { Repositories } from '../db';
import { SessionStore } from '../db/sessions';
import { presentUser, type UserDocument } from '../db/users';
import { emailLocale } from '../email/compose';
import { chatPage } from '../email/links';
import { isOwnOrigin, isSameOrigin, ownOriginOf } from '../http/origins';
import { ID_PATTERN } from '../validation';
import { SESSION_COOKIE, TOKEN_PATTERN, WIDGET_COOKIE } from '../http/session';
import { type HubSocket, userChannel } from './types';

type Next = (err?: Error) => void;

function refuse(next: Next, message: string, code: HandshakeErrorData['code'] = 'unauthorized'): void {
  const error = new Error(message) as Error & { data: HandshakeErrorData };
  error.data = { code, message };
  next(error);
}

/** The session id from `auth.token`, else from the signed first-party cookie, else from the widget's cookie. */
function tokenOf(socket: HubSocket, keys: Keygrip): string | undefined {
  const auth: unknown = socket.handshake.auth;
  const token = typeof auth === 'object' && auth !== null ? (auth as Record<string, unknown>).token : undefined;
  if (typeof token === 'string' && TOKEN_PATTERN.test(token)) return token;
  const cookies = parseCookies(socket.handshake.headers.cookie ?? '');
  const value = cookies[SESSION_COOKIE];
  const signature = cookies[`${SESSION_COOKIE}.sig`];
  if (value && signature && keys.verify(`${SESSION_COOKIE}=${value}`, signature)) return value;
  return isSameOrigin(socket.handshake.headers) ? cookies[WIDGET_COOKIE] : undefined;
}

/**
 * The session a socket was opened with: its idle deadline (pushed back by use) and when it ends unless used (the
 * idle or the absolute deadline, the earlier). Read by session-expiry.ts.
 */
export const sessionOfSocket = new WeakMap<HubSocket, { token: string; idleUntil: Date; endsAt: Date }>();

/**
 * Handshake middleware: the same session as HTTP, or the connection is refused with `unauthorized`. Without a
 * session, `auth: { site, read: true }` opens a reader's socket: it may read the rooms that allow visitors without
 * an account (server/hub/rooms.ts), and do nothing else.
 */
export function authenticateSockets(repositories: Repositories, options: { sessionKeys: string[]; sessionIdleMs: number; publicUrl: string | undefined }) {
  const { sessionKeys, sessionIdleMs, publicUrl } = options;
  const keys = new Keygrip(sessionKeys);
  return async (socket: HubSocket, next: Next): Promise<void> => {
    try {
      const token = tokenOf(socket, keys);
      const auth = socket.handshake.auth as Record<string, unknown>;
      if (!token && auth.read === true && typeof auth.site === 'string') return await admitReader(socket, auth.site, next);
      if (!token) return refuse(next, 'sign in first');
      const session = await repositories.sessions.find(token);
      const { siteId, userId } = session?.data ?? {};
      if (!session || !siteId || !userId) return refuse(next, 'the session has ended; sign in again');
      if (auth.site !== undefined && auth.site !== siteId) return refuse(next, 'the session belongs to another site');
      const user = await repositories.users.findById(siteId, userId);
      if (!user) return refuse(next, 'the account no longer exists');
      // a ban ends the sessions too; this covers a socket racing the ban
      if (user.bannedAt) return refuse(next, 'this account is banned');
      if (!(await originAllowed(socket, siteId))) return refuse(next, `${socket.handshake.headers.origin} may not use the chat of site ${siteId}`, 'forbidden');
      if (user.role === 'guest') await repositories.users.touchGuest(user);
      if (user.email || user.emailPending) await rememberWhereSeen(socket, user, auth);
      const idleUntil = (await repositories.sessions.touch(token, sessionIdleMs, session.expiresAt)) ?? session.expiresAt;
      socket.data = { siteId, user: presentUser(user), sessionGroup: SessionStore.groupOf(token) };
      // kept on this node only: socket.data travels between nodes (fetchSockets), a session id must not
      sessionOfSocket.set(socket, { token, idleUntil, endsAt: session.endsAt });
      await socket.join([socket.data.sessionGroup, userChannel(siteId, socket.data.user.id)]);
      next();
    } catch (error) {
      const failure = new Error('unable to check the session') as Error & { data: HandshakeErrorData };
      failure.data = { code: 'unavailable', message: 'unable to check the session; try again' };
      failure.cause = error;
      next(failure);
    }
  };

  /** A browser on another website may only connect when the site allows that origin (Node clients send none). */
  async function originAllowed(socket: HubSocket, siteId: string): Promise<boolean> {
    const { headers, secure } = socket.handshake;
    if (!headers.origin || isOwnOrigin(headers, ownOriginOf(publicUrl, headers, secure))) return true;
    const site = await repositories.sites.findById(siteId);
    return site?.allowedOrigins.includes(headers.origin) === true;
  }

  /**
   * A user with an address: where their chat is open (`auth.page`) and in which language (`auth.locale`), for their
   * digests' link and words; written only when it changed.
   */
  async function rememberWhereSeen(socket: HubSocket, user: UserDocument, auth: Record<string, unknown>): Promise<void> {
    if (auth.page === undefined && auth.locale === undefined) return;
    const site = await repositories.sites.findById(user.siteId);
    if (!site) return;
    const { headers, secure } = socket.handshake;
    const page = chatPage(auth.page, site.allowedOrigins, ownOriginOf(publicUrl, headers, secure));
    const locale = typeof auth.locale === 'string' ? emailLocale(auth.locale) : undefined;
    const seen = { ...(page && page !== user.page ? { page } : {}), ...(locale && locale !== user.locale ? { locale } : {}) };
    if (Object.keys(seen).length > 0) await repositories.users.setSeen(user, seen);
  }

  async function admitReader(socket: HubSocket, siteId: string, next: Next): Promise<void> {
    if (!ID_PATTERN.test(siteId) || !(await repositories.sites.findById(siteId))) return refuse(next, `no site ${siteId.slice(0, 64)}`, 'not_found');
    if (!(await originAllowed(socket, siteId))) return refuse(next, `${socket.handshake.headers.origin} may not use the chat of site ${siteId}`, 'forbidden');
    socket.data = { siteId, reader: true };
    next();
  }
}

