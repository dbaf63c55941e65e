import { createHash, randomBytes } from 'node:crypto';
import { type Collection, type Db, type Filter, ObjectId } from 'mongodb';
import { isDuplicateKey } from '../errors';

/** What a console account may do on a site: owner (everything), admin (settings, rooms, team but owners), moderator. */
export type ConsoleRole = 'owner' | 'admin' | 'moderator';

/** Someone who runs sites (not a chat user): signs in to the console with an email and a password. */
export interface ConsoleAccountDocument {
  _id: ObjectId;
  email: string;
  /** The email lower-cased and NFC: one account per address. */
  emailKey: string;
  passwordHash: string;
  /** The sites this account works on, with its role on each: read with the account, by `_id`. */
  sites: Array<{ siteId: string; role: ConsoleRole; chatUserId?: string }>;
  createdAt: Date;
}

/** An invitation to a site's team: `_id` is the SHA-256 of the token in the link, so the database never holds the link. */
export interface ConsoleInviteDocument {
  _id: string;
  siteId: string;
  role: ConsoleRole;
  email: string;
  /** Who invited (a console account's id), or `operator` for the CLI. */
  invitedBy: string;
  expiresAt: Date;
}

/** The account's role on the site, if it has one. */
export const roleOn = (account: Pick<ConsoleAccountDocument, 'sites'>, siteId: string | undefined): ConsoleRole | undefined =>
  account.sites.find((each) => each.siteId === siteId)?.role;

export const emailKey = (email: string) => email.normalize('NFC').trim().toLowerCase();
const tokenHash = (token: string) => createHash('sha256').update(token).digest('base64url');

/** How long an invite link works. */
export const INVITE_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;
/** How long a password-reset link works. */
export const RESET_LIFETIME_MS = 60 * 60 * 1000;

/** A password-reset link: `_id` is the SHA-256 of the token in the link, as for invites. */
export interface ConsoleResetDocument {
  _id: string;
  accountId: string;
  expiresAt: Date;
}

export class ConsoleAccountsRepository {
  private readonly accounts: Collection<ConsoleAccountDocument>;
  private readonly invites: Collection<ConsoleInviteDocument>;
  private readonly resets: Collection<ConsoleResetDocument>;

  constructor(db: Db) {
    this.accounts = db.collection<ConsoleAccountDocument>('console_accounts');
    this.invites = db.collection<ConsoleInviteDocument>('console_invites');
    this.resets = db.collection<ConsoleResetDocument>('console_resets');
  }

  findById(id: string): Promise<ConsoleAccountDocument | null> {
    return ObjectId.isValid(id) ? this.accounts.findOne({ _id: new ObjectId(id) }) : Promise.resolve(null);
  }

  /** By email, whatever its case (sign-in only, which is rate-limited). */
  findByEmail(email: string): Promise<ConsoleAccountDocument | null> {
    return this.accounts.findOne({ emailKey: emailKey(email) });
  }

  /** A new account; null when the email has one already. */
  async create(email: string, passwordHash: string): Promise<ConsoleAccountDocument | null> {
    const account: ConsoleAccountDocument = { _id: new ObjectId(), email: email.trim(), emailKey: emailKey(email), passwordHash, sites: [], createdAt: new Date() };
    try {
      await this.accounts.insertOne(account);
      return account;
    } catch (error) {
      if (isDuplicateKey(error)) return null;
      throw error;
    }
  }

  /** Gives the account `role` on the site (replacing a role it had there, keeping its link to a chat user). */
  async grant(accountId: ObjectId, siteId: string, role: ConsoleRole): Promise<void> {
    await this.changeSites(accountId, (sites) => {
      const before = sites.find((each) => each.siteId === siteId);
      return [...sites.filter((each) => each.siteId !== siteId), { ...before, siteId, role }];
    });
  }

  /** Links the account, on one site, to a chat user of that site (or unlinks it); false when it has no role there. */
  async link(accountId: ObjectId, siteId: string, chatUserId: string | null): Promise<boolean> {
    let found = false;
    await this.changeSites(accountId, (sites) =>
      sites.map((each) => {
        if (each.siteId !== siteId) return each;
        found = true;
        const { chatUserId: _old, ...rest } = each;
        return chatUserId ? { ...rest, chatUserId } : rest;
      }),
    );
    return found;
  }

  /** The site's team: every account with a role on it, by email (the team page; a scan, but rare). */
  team(siteId: string): Promise<ConsoleAccountDocument[]> {
    return this.accounts.find({ 'sites.siteId': siteId }).sort({ emailKey: 1 }).toArray();
  }

  /** Takes the site from one account; false when it had no role there. */
  async revoke(accountId: string, siteId: string): Promise<boolean> {
    if (!ObjectId.isValid(accountId)) return false;
    let removed = false;
    await this.changeSites(new ObjectId(accountId), (sites) => {
      removed = sites.some((each) => each.siteId === siteId);
      return sites.filter((each) => each.siteId !== siteId);
    });
    return removed;
  }

  /** Takes the site from every account (the site was deleted). */
  async forgetSite(siteId: string): Promise<void> {
    for (const account of await this.team(siteId)) await this.changeSites(account._id, (sites) => sites.filter((each) => each.siteId !== siteId));
  }

  /**
   * Rewrites an account's list of sites: read, changed, written only if nobody changed it meanwhile (else again).
   * A whole-list write, as the embedded database's `$pull` compares whole elements and `$set` on `sites.$` needs a
   * positional match it does not support.
   */
  private async changeSites(accountId: ObjectId, change: (sites: ConsoleAccountDocument['sites']) => ConsoleAccountDocument['sites']): Promise<void> {
    for (;;) {
      const account = await this.accounts.findOne({ _id: accountId });
      if (!account) return;
      const { matchedCount } = await this.accounts.updateOne({ _id: accountId, sites: account.sites }, { $set: { sites: change(account.sites) } });
      if (matchedCount === 1) return;
    }
  }

  /** An invite link's token: shown once (the operator's CLI or the inviting owner), stored only as a hash. */
  async invite(input: Omit<ConsoleInviteDocument, '_id' | 'expiresAt'>, now = Date.now()): Promise<{ token: string; expiresAt: Date }> {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now + INVITE_LIFETIME_MS);
    await this.invites.insertOne({ _id: tokenHash(token), ...input, email: input.email.trim(), expiresAt });
    return { token, expiresAt };
  }

  /** The invite behind a link, unless it expired or was used. */
  async findInvite(token: string, now = new Date()): Promise<ConsoleInviteDocument | null> {
    const invite = await this.invites.findOne({ _id: tokenHash(token) });
    return invite && invite.expiresAt > now ? invite : null;
  }

  /** Uses the invite up: true for the one request that did (two at once: one wins). */
  async spendInvite(token: string): Promise<boolean> {
    return (await this.invites.deleteOne({ _id: tokenHash(token) })).deletedCount === 1;
  }

  /** A password-reset link's token for the account (the operator's CLI prints it), stored only as a hash. */
  async resetLink(accountId: ObjectId, now = Date.now()): Promise<{ token: string; expiresAt: Date }> {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now + RESET_LIFETIME_MS);
    await this.resets.insertOne({ _id: tokenHash(token), accountId: accountId.toHexString(), expiresAt });
    return { token, expiresAt };
  }

  /** The account a reset link is for and when the link stops working, unless it expired or was used. */
  async findReset(token: string, now = new Date()): Promise<{ account: ConsoleAccountDocument; expiresAt: Date } | null> {
    const reset = await this.resets.findOne({ _id: tokenHash(token) });
    const account = reset && reset.expiresAt > now ? await this.findById(reset.accountId) : null;
    return account && reset ? { account, expiresAt: reset.expiresAt } : null;
  }

  /** Uses the reset link up: true for the one request that did. */
  async spendReset(token: string): Promise<boolean> {
    return (await this.resets.deleteOne({ _id: tokenHash(token) })).deletedCount === 1;
  }

  async setPassword(accountId: ObjectId, passwordHash: string): Promise<void> {
    await this.accounts.updateOne({ _id: accountId }, { $set: { passwordHash } });
  }

  async deleteInvitesOfSite(siteId: string): Promise<void> {
    await this.invites.deleteMany({ siteId });
  }
}
