import { createHash } from 'node:crypto';
import type { Collection, Db } from 'mongodb';

/** What a signed-in session holds; koa-session adds `_expire` and `_maxAge`. */
export interface SessionData {
  siteId?: string;
  userId?: string;
  /** When the user signed in (ms since epoch): the absolute lifetime counts from here. */
  signedInAt?: number;
  /** A console session (cookie `parley.console`): the console account signed in; never with siteId/userId. */
  consoleAccountId?: string;
  _expire?: number;
  _maxAge?: number;
}

interface SessionDocument {
  _id: string;
  data: SessionData;
  expiresAt: Date;
}

const TOUCH_EVERY_MS = 60_000;

/**
 * When the session ends for being idle: koa-session's `_expire` (it checks that one on HTTP and keeps `expiresAt`
 * 10 s later, so the store outlives the cookie), or `expiresAt` for a session written without it.
 */
const idleDeadlineOf = (session: SessionDocument) => Math.min(session.expiresAt.getTime(), session.data._expire ?? Infinity);

/** The token is never stored: a leaked sessions collection cannot be replayed. */
const idOf = (token: string) => createHash('sha256').update(token).digest('base64url');

/** A koa-session external store over MongoDB, also read by the Socket.IO handshake. */
export class SessionStore {
  private readonly sessions: Collection<SessionDocument>;

  constructor(
    db: Db,
    private readonly absoluteMs = 90 * 24 * 60 * 60 * 1000,
  ) {
    this.sessions = db.collection<SessionDocument>('sessions');
  }

  /** The session's data, unless it expired: idle too long (expiresAt) or signed in too long ago (absolute lifetime). */
  async get(token: string): Promise<SessionData | undefined> {
    return (await this.find(token))?.data;
  }

  /**
   * Like get(), with the idle deadline (`expiresAt`: a socket's handshake decides from it whether to touch the
   * session) and when the session ends unless used (`endsAt`: the idle or the absolute deadline, the earlier).
   */
  async find(token: string): Promise<{ data: SessionData; expiresAt: Date; endsAt: Date } | undefined> {
    // by _id alone, the rest checked here: the same answer, and a lookup by primary key on every database (the
    // embedded FerretDB scans the whole collection for a filter with any other field: 10x slower at 5,000 sessions)
    const found = await this.sessions.findOne({ _id: idOf(token) });
    if (!found) return undefined;
    const idleDeadline = idleDeadlineOf(found);
    if (idleDeadline <= Date.now()) return undefined;
    const { signedInAt } = found.data;
    if (typeof signedInAt === 'number' && signedInAt + this.absoluteMs <= Date.now()) {
      await this.destroy(token);
      return undefined;
    }
    const absoluteDeadline = typeof signedInAt === 'number' ? signedInAt + this.absoluteMs : Infinity;
    return { data: found.data, expiresAt: new Date(idleDeadline), endsAt: new Date(Math.min(idleDeadline, absoluteDeadline)) };
  }

  async set(token: string, data: SessionData, maxAgeMs: number | 'session' | undefined): Promise<void> {
    const ttl = typeof maxAgeMs === 'number' ? maxAgeMs : 24 * 60 * 60 * 1000;
    await this.sessions.updateOne(
      { _id: idOf(token) },
      { $set: { data, expiresAt: new Date(Date.now() + ttl) } },
      { upsert: true },
    );
  }

  /**
   * Use of the session outside HTTP (a socket connecting): pushes the idle deadline back, unless it was pushed back
   * moments ago (within a tenth of the idle time, at most a minute). Tabs and reconnect storms then cost one write
   * per session and minute, not one per socket. Resolves with the new idle deadline, or undefined when unchanged.
   */
  async touch(token: string, idleMs: number, expiresAt: Date): Promise<Date | undefined> {
    const fresh = Date.now() + idleMs - Math.min(TOUCH_EVERY_MS, idleMs / 10);
    if (expiresAt.getTime() >= fresh) return undefined;
    // both deadlines, so HTTP (koa-session reads `_expire`) sees the session as alive as its sockets do
    const deadline = Date.now() + idleMs;
    await this.sessions.updateOne({ _id: idOf(token) }, { $set: { expiresAt: new Date(deadline), 'data._expire': deadline } });
    return new Date(deadline);
  }

  async destroy(token: string): Promise<void> {
    await this.sessions.deleteOne({ _id: idOf(token) });
  }

  /** Ends every console session of an account (its password was reset). */
  async deleteByConsoleAccount(accountId: string): Promise<number> {
    return (await this.sessions.deleteMany({ 'data.consoleAccountId': accountId })).deletedCount;
  }

  /** A user's sessions: when each ends unless used (a data export; never the token). */
  async ofUser(siteId: string, userId: string): Promise<Array<{ signedInAt?: Date; expiresAt: Date }>> {
    const found = await this.sessions.find({ 'data.siteId': siteId, 'data.userId': userId }).toArray();
    return found.map(({ data, expiresAt }) => ({ ...(data.signedInAt ? { signedInAt: new Date(data.signedInAt) } : {}), expiresAt }));
  }

  /** Ends every session of a user (a ban). */
  async deleteByUser(siteId: string, userId: string): Promise<number> {
    return (await this.sessions.deleteMany({ 'data.siteId': siteId, 'data.userId': userId })).deletedCount;
  }

  async deleteBySite(siteId: string): Promise<number> {
    return (await this.sessions.deleteMany({ 'data.siteId': siteId })).deletedCount;
  }

  /** Deletes expired sessions; returns how many. */
  async sweep(): Promise<number> {
    const { deletedCount } = await this.sessions.deleteMany({ expiresAt: { $lte: new Date() } });
    return deletedCount;
  }

  /** The id sockets of one session are grouped under, so logout can end them. */
  static groupOf(token: string): string {
    return `session:${idOf(token)}`;
  }
}
