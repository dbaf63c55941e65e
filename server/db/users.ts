import { createHash } from 'node:crypto';
import { type Collection, type Db, ObjectId } from 'mongodb';
import { conflict, isDuplicateKey } from '../errors';
import type { Role, User } from '../../sdk/protocol';

export interface UserDocument {
  _id: ObjectId;
  siteId: string;
  username: string;
  usernameKey: string;
  displayName: string;
  displayNameKey: string;
  passwordHash: string;
  role: Role;
  createdAt: Date;
  bannedAt?: Date;
  /**
   * Where email digests go: an identified user's from the site's signed identity token, a member's once they followed
   * the link sent to it. Never shown to other users.
   */
  email?: string;
  /** A member's new address, waiting for its owner to follow the link sent to it. */
  emailPending?: string;
  /** The user turned digests off (the widget, or an email's unsubscribe link). */
  emailOff?: true;
  /** When the last digest went to this user (one per EMAIL_DIGEST_GAP_MS at most). */
  digestSentAt?: Date;
  /**
   * Kept only while the user has an address: the page their chat was last open on (origin and path: the digest's
   * link back) and the language it spoke (the digest's).
   */
  page?: string;
  locale?: EmailLocale;
  /** The users this one blocked (ids), in the order blocked. */
  blocked?: string[];
  /** Guests: when the guest is deleted (their name freed) unless they come back; pushed back by use. */
  expiresAt?: Date;
  /** Guests: a keyed hash of the address they signed up from, so a ban can keep it out (never the address). */
  ipHash?: string;
}

/** The languages emails are written in. */
export type EmailLocale = 'en' | 'es' | 'zh';

/** What the console's people search reads of a user. */
export type UserSummary = Pick<UserDocument, '_id' | 'username' | 'displayName' | 'role' | 'createdAt' | 'bannedAt'>;

/** How long a guest unused keeps their name. */
export const GUEST_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;
// a guest's deadline is pushed back at most this often (a write per connection would be a write per page view)
const GUEST_TOUCH_MS = 24 * 60 * 60 * 1000;

/** How many users one may block. */
export const MAX_BLOCKED = 1_000;

/** Uniqueness key: NFC, then lower case, so "Ada" and "ada" clash. */
export const uniqueKey = (value: string) => value.normalize('NFC').toLowerCase();

export const presentUser = (user: UserDocument): User => ({
  id: user._id.toHexString(),
  username: user.username,
  displayName: user.displayName,
  role: user.role,
  ...(user.blocked?.length ? { blocked: [...user.blocked] } : {}),
});

/**
 * A username's owner: `_id` is `<site>:<username key>` (usernameKey), so a login, an identified sign-in and a role
 * change find the account by `_id` twice instead of by a filter the embedded database would scan users for. Written
 * right after the user (whose unique index decides who owns a name); one a node did not get to write is mended by
 * the next registration or identified sign-in that runs into the name.
 */
export interface UsernameDocument {
  _id: string;
  userId: ObjectId;
}

export const usernameKey = (siteId: string, key: string) => `${siteId}:${key}`;

export class UsersRepository {
  private readonly users: Collection<UserDocument>;
  private readonly usernames: Collection<UsernameDocument>;

  private readonly observers: Array<(user: UserDocument) => Promise<void>> = [];

  constructor(db: Db) {
    this.users = db.collection<UserDocument>('users');
    this.usernames = db.collection<UsernameDocument>('usernames');
  }

  /** Called with each new user (member, guest, identified) once stored, and awaited (webhooks queue it first). */
  observeNew(observer: (user: UserDocument) => Promise<void>): void {
    this.observers.push(observer);
  }

  /** The site's users with these ids (those that exist), in no particular order. */
  async findByIds(siteId: string, userIds: readonly string[]): Promise<UserDocument[]> {
    const ids = userIds.filter((id) => ObjectId.isValid(id)).map((id) => new ObjectId(id));
    if (ids.length === 0) return [];
    return (await this.users.find({ _id: { $in: ids } }).toArray()).filter((user) => user.siteId === siteId);
  }

  /** Adds `targetId` to the user's blocked list (once); false when the list is full. */
  async block(user: UserDocument, targetId: string): Promise<boolean> {
    if (user.blocked?.includes(targetId)) return true;
    if ((user.blocked?.length ?? 0) >= MAX_BLOCKED) return false;
    await this.users.updateOne({ _id: user._id }, { $addToSet: { blocked: targetId } });
    return true;
  }

  async unblock(user: UserDocument, targetId: string): Promise<void> {
    await this.users.updateOne({ _id: user._id }, { $pull: { blocked: targetId } });
  }

  async findById(siteId: string, userId: string): Promise<UserDocument | null> {
    if (!ObjectId.isValid(userId)) return null;
    // by _id alone, the site checked here: a primary-key lookup everywhere (see SessionStore.find)
    const user = await this.users.findOne({ _id: new ObjectId(userId) });
    return user?.siteId === siteId ? user : null;
  }

  findByUsername(siteId: string, username: string): Promise<UserDocument | null> {
    return this.findByKey(siteId, uniqueKey(username));
  }

  /** The user holding a username key: two reads by `_id` (the name, then its user). */
  private async findByKey(siteId: string, key: string): Promise<UserDocument | null> {
    const name = await this.usernames.findOne({ _id: usernameKey(siteId, key) });
    if (!name) return null;
    const user = await this.users.findOne({ _id: name.userId });
    return user?.siteId === siteId && user.usernameKey === key ? user : null;
  }

  /**
   * The account a password login names, or null. Identified users (`external:<id>`, which no chosen username can
   * spell, and no password hash) cannot sign in with a password; they are looked up all the same, so both cost alike.
   */
  async findPasswordUser(siteId: string, username: string): Promise<UserDocument | null> {
    const user = await this.findByUsername(siteId, username);
    return user?.passwordHash && !user.usernameKey.includes(':') ? user : null;
  }

  /** Which of the two unique fields is already taken, if any. */
  async findClash(siteId: string, username: string, displayName: string, except?: ObjectId): Promise<'username' | 'displayName' | null> {
    // registration only (rate-limited), so a filter the embedded database scans for is fine here
    const key = uniqueKey(username);
    const filter = { siteId, $or: [{ usernameKey: key }, { displayNameKey: uniqueKey(displayName) }], ...(except ? { _id: { $ne: except } } : {}) };
    const clash = await this.users.findOne(filter, { projection: { usernameKey: 1 } });
    if (!clash) return null;
    if (clash.usernameKey !== key) return 'displayName';
    await this.recordName(siteId, key, clash._id);
    return 'username';
  }

  /** Grants or revokes a role by username (the operator's CLI); false when the user does not exist. */
  async setRole(siteId: string, username: string, role: Role): Promise<boolean> {
    const user = await this.findByUsername(siteId, username);
    return user !== null && (await this.setRoleById(siteId, user._id.toHexString(), role));
  }

  /** Grants or revokes a role by user id; false when the user does not exist. */
  async setRoleById(siteId: string, userId: string, role: Role): Promise<boolean> {
    if (!ObjectId.isValid(userId)) return false;
    const { matchedCount } = await this.users.updateOne({ _id: new ObjectId(userId), siteId }, { $set: { role } });
    return matchedCount === 1;
  }

  /**
   * A guest: a display name unique among the site's members and guests (a clash is `conflict` on displayName),
   * no username anyone could log in with (`guest:<random>`, which no chosen username can spell), no password.
   */
  async insertGuest(siteId: string, displayName: string, ipHash: string): Promise<UserDocument> {
    const key = `guest:${new ObjectId().toHexString()}`;
    try {
      const user = await this.insertDocument({ siteId, username: key, usernameKey: key, displayName, passwordHash: '' }, 'guest');
      const expiresAt = new Date(Date.now() + GUEST_LIFETIME_MS);
      await this.users.updateOne({ _id: user._id }, { $set: { expiresAt, ipHash } });
      return { ...user, expiresAt, ipHash };
    } catch (error) {
      if (isDuplicateKey(error)) throw conflict('displayName', 'display name is taken');
      throw error;
    }
  }

  /** Pushes a guest's deadline back (at most once a day): a guest who keeps coming keeps their name. */
  async touchGuest(user: UserDocument): Promise<void> {
    const now = Date.now();
    if (user.role !== 'guest' || (user.expiresAt && user.expiresAt.getTime() - GUEST_LIFETIME_MS + GUEST_TOUCH_MS > now)) return;
    await this.users.updateOne({ _id: user._id, role: 'guest' }, { $set: { expiresAt: new Date(now + GUEST_LIFETIME_MS) } });
  }

  /**
   * Turns a guest into a member under a username and password, keeping their id (so their messages stay theirs);
   * a taken username or display name is `conflict`. Null when the user is no longer a guest.
   */
  async upgradeGuest(guest: UserDocument, input: { username: string; displayName: string; passwordHash: string }): Promise<UserDocument | null> {
    const usernameKey = uniqueKey(input.username);
    try {
      const upgraded = await this.users.findOneAndUpdate(
        { _id: guest._id, role: 'guest' },
        {
          $set: { username: input.username, usernameKey, displayName: input.displayName, displayNameKey: uniqueKey(input.displayName), passwordHash: input.passwordHash, role: 'member' },
          $unset: { expiresAt: '', ipHash: '' },
        },
        { returnDocument: 'after' },
      );
      if (upgraded) await this.recordName(guest.siteId, usernameKey, guest._id);
      return upgraded;
    } catch (error) {
      if (isDuplicateKey(error)) throw conflict('username', 'username or display name is taken');
      throw error;
    }
  }

  /** Deletes guests past their deadline, freeing their names; answers how many. (A scan of guests: run rarely.) */
  async deleteExpiredGuests(now = new Date()): Promise<number> {
    return (await this.users.deleteMany({ role: 'guest', expiresAt: { $lt: now } })).deletedCount;
  }

  /** The site's users from moderators up (the console's staff list; a scan, but rare and admins only). */
  staff(siteId: string): Promise<UserDocument[]> {
    return this.users.find({ siteId, role: { $in: ['moderator', 'admin', 'owner'] } }).sort({ usernameKey: 1 }).limit(1_000).toArray();
  }

  /**
   * Up to `limit` of the site's users `rank` finds (0 best; undefined: not found), best first, the newest first among
   * equals; without `rank`, the newest. Reads these few fields of every user of the site (the console's people
   * search: staff only, and a scan on the embedded database).
   */
  async search(siteId: string, limit: number, rank?: (user: UserSummary) => number | undefined): Promise<UserSummary[]> {
    const found = this.users.find<UserSummary>({ siteId }, { projection: { username: 1, displayName: 1, role: 1, createdAt: 1, bannedAt: 1 } });
    if (!rank) return found.sort({ _id: -1 }).limit(limit).toArray();
    const best: Array<{ user: UserSummary; rank: number }> = [];
    const order = (a: { user: UserSummary; rank: number }, b: typeof a) => a.rank - b.rank || b.user._id.toHexString().localeCompare(a.user._id.toHexString());
    for await (const user of found) {
      const score = rank(user);
      if (score === undefined) continue;
      best.push({ user, rank: score });
      // keep the best `limit` so far: a search that matches everyone holds little
      if (best.length >= limit * 2) best.sort(order).splice(limit);
    }
    return best.sort(order).slice(0, limit).map(({ user }) => user);
  }

  /** A member's new address, to be confirmed by the link sent to it (replacing any pending one). */
  async setPendingEmail(user: UserDocument, address: string, seen: Pick<UserDocument, 'page' | 'locale'>): Promise<void> {
    await this.users.updateOne({ _id: user._id }, { $set: { emailPending: address, ...seen } });
  }

  /** The link sent to `address` was followed: it becomes the user's address, if it is still the one pending. */
  async confirmEmail(siteId: string, userId: string, address: string): Promise<boolean> {
    if (!ObjectId.isValid(userId)) return false;
    const { matchedCount } = await this.users.updateOne({ _id: new ObjectId(userId), siteId, emailPending: address }, { $set: { email: address }, $unset: { emailPending: '' } });
    return matchedCount === 1;
  }

  /** Forgets a member's address (verified and pending), and what was kept for it. */
  async removeEmail(user: UserDocument): Promise<void> {
    await this.users.updateOne({ _id: user._id }, { $unset: { email: '', emailPending: '', page: '', locale: '', digestSentAt: '' } });
  }

  /** The user's own switch for digests; false when the user does not exist. */
  async setEmailNotify(siteId: string, userId: string, notify: boolean): Promise<boolean> {
    if (!ObjectId.isValid(userId)) return false;
    const update = notify ? { $unset: { emailOff: '' as const } } : { $set: { emailOff: true as const } };
    const { matchedCount } = await this.users.updateOne({ _id: new ObjectId(userId), siteId }, update);
    return matchedCount === 1;
  }

  /** Where the user's chat was last open, and in which language (kept for the digests' link and words). */
  async setSeen(user: UserDocument, seen: Pick<UserDocument, 'page' | 'locale'>): Promise<void> {
    await this.users.updateOne({ _id: user._id }, { $set: seen });
  }

  async setDigestSent(userId: ObjectId, at: Date): Promise<void> {
    await this.users.updateOne({ _id: userId }, { $set: { digestSentAt: at } });
  }

  /** Deletes the account, freeing its username and display name (an erasure). */
  async erase(user: UserDocument): Promise<void> {
    await this.users.deleteOne({ _id: user._id });
    await this.usernames.deleteOne({ _id: usernameKey(user.siteId, user.usernameKey), userId: user._id });
  }

  /** Bans or lifts a ban; false when the user does not exist. */
  async setBanned(siteId: string, userId: string, banned: boolean): Promise<boolean> {
    if (!ObjectId.isValid(userId)) return false;
    const update = banned ? { $set: { bannedAt: new Date() } } : { $unset: { bannedAt: '' as const } };
    const { matchedCount } = await this.users.updateOne({ _id: new ObjectId(userId), siteId }, update);
    return matchedCount === 1;
  }

  async deleteBySite(siteId: string): Promise<number> {
    const deleted = (await this.users.deleteMany({ siteId })).deletedCount;
    // the site's names: keys start with "<site>:" (a site id has no ':'), so this range holds them and nothing else
    await this.usernames.deleteMany({ _id: { $gt: `${siteId}:`, $lt: `${siteId};` } });
    return deleted;
  }

  /**
   * Finds or creates the user a site identified (no password). Their username key lives in a namespace no
   * chosen username can enter (`:` is not allowed in one); a display name already taken by someone else
   * gets a short suffix derived from the id, so the site's own naming never blocks sign-in.
   * `rename`: the identity covers the name (a signed token), so an existing user takes it; otherwise (the legacy
   * hash, which signs the id alone) an existing user keeps the name they have. `email` is stored when given.
   */
  async upsertExternal(
    siteId: string,
    externalId: string,
    displayName: string,
    { rename, email }: { rename: boolean; email?: string | undefined },
  ): Promise<UserDocument> {
    const usernameKey = `external:${externalId}`;
    for (const name of [displayName, `${displayName} #${createHash('sha256').update(externalId).digest('hex').slice(0, 4)}`]) {
      const existing = await this.findByKey(siteId, usernameKey);
      if (existing && !rename) return existing;
      const changes: Partial<UserDocument> = {
        ...(existing?.displayName === name ? {} : { displayName: name, displayNameKey: uniqueKey(name) }),
        ...(email === undefined || existing?.email === email ? {} : { email }),
      };
      try {
        if (existing) {
          if (Object.keys(changes).length > 0) await this.users.updateOne({ _id: existing._id }, { $set: changes });
          return { ...existing, ...changes };
        }
        return await this.insertDocument({ siteId, username: externalId, usernameKey, displayName: name, passwordHash: '', email });
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        // the name is someone else's (try the suffixed one), or a concurrent request created this user (whose name
        // record may not be written yet: found by its fields, and the record mended)
        const raced = await this.users.findOne({ siteId, usernameKey });
        if (raced) await this.recordName(siteId, usernameKey, raced._id);
        if (raced && (raced.displayName === name || !rename)) return raced;
      }
    }
    throw conflict('displayName', 'display name is taken');
  }

  /** Inserts a member; a clash surfaces as MongoDB's duplicate-key error. */
  insert(input: { siteId: string; username: string; displayName: string; passwordHash: string }): Promise<UserDocument> {
    return this.insertDocument({ ...input, usernameKey: uniqueKey(input.username) });
  }

  private async insertDocument(input: {
    siteId: string;
    username: string;
    usernameKey: string;
    displayName: string;
    passwordHash: string;
    email?: string | undefined;
  }, role: Role = 'member'): Promise<UserDocument> {
    const user: UserDocument = {
      _id: new ObjectId(),
      siteId: input.siteId,
      username: input.username,
      usernameKey: input.usernameKey,
      displayName: input.displayName,
      displayNameKey: uniqueKey(input.displayName),
      passwordHash: input.passwordHash,
      role,
      createdAt: new Date(),
      ...(input.email === undefined ? {} : { email: input.email }),
    };
    await this.users.insertOne(user);
    await this.recordName(user.siteId, user.usernameKey, user._id);
    for (const observer of this.observers) await observer(user);
    return user;
  }

  /** Points a username key at its owner (the users' unique index decided who that is: a record there is replaced). */
  private async recordName(siteId: string, key: string, userId: ObjectId): Promise<void> {
    const filter = { _id: usernameKey(siteId, key) };
    try {
      await this.usernames.updateOne(filter, { $set: { userId } }, { upsert: true });
    } catch (error) {
      // two requests recording the same name at once (an identified user's two tabs): the loser's upsert finds the
      // winner's insert, as upserts on MongoDB may too; the record is there, make sure it names this owner
      if (!isDuplicateKey(error)) throw error;
      await this.usernames.updateOne(filter, { $set: { userId } });
    }
  }
}
