import { type Collection, type Db, ObjectId } from 'mongodb';
import type { User } from '../../sdk/protocol';

export interface UserDocument {
  _id: ObjectId;
  siteId: string;
  username: string;
  usernameKey: string;
  displayName: string;
  displayNameKey: string;
  passwordHash: string;
  role: 'member' | 'admin';
  createdAt: Date;
  bannedAt?: Date;
}

/** Uniqueness key: NFC, then lower case, so "Ada" and "ada" clash. */
export const uniqueKey = (value: string) => value.normalize('NFC').toLowerCase();

export const presentUser = (user: UserDocument): User => ({
  id: user._id.toHexString(),
  username: user.username,
  displayName: user.displayName,
});

export class UsersRepository {
  private readonly users: Collection<UserDocument>;

  constructor(db: Db) {
    this.users = db.collection<UserDocument>('users');
  }

  findById(siteId: string, userId: string): Promise<UserDocument | null> {
    if (!ObjectId.isValid(userId)) return Promise.resolve(null);
    return this.users.findOne({ _id: new ObjectId(userId), siteId });
  }

  findByUsername(siteId: string, username: string): Promise<UserDocument | null> {
    return this.users.findOne({ siteId, usernameKey: uniqueKey(username) });
  }

  /** Which of the two unique fields is already taken, if any. */
  async findClash(siteId: string, username: string, displayName: string): Promise<'username' | 'displayName' | null> {
    const usernameKey = uniqueKey(username);
    const clash = await this.users.findOne(
      { siteId, $or: [{ usernameKey }, { displayNameKey: uniqueKey(displayName) }] },
      { projection: { usernameKey: 1 } },
    );
    if (!clash) return null;
    return clash.usernameKey === usernameKey ? 'username' : 'displayName';
  }

  /** Grants or revokes a role; false when the user does not exist. */
  async setRole(siteId: string, username: string, role: UserDocument['role']): Promise<boolean> {
    const { matchedCount } = await this.users.updateOne({ siteId, usernameKey: uniqueKey(username) }, { $set: { role } });
    return matchedCount === 1;
  }

  async deleteBySite(siteId: string): Promise<number> {
    return (await this.users.deleteMany({ siteId })).deletedCount;
  }

  /** Inserts a member; a clash surfaces as MongoDB's duplicate-key error. */
  async insert(input: { siteId: string; username: string; displayName: string; passwordHash: string }): Promise<UserDocument> {
    const user: UserDocument = {
      _id: new ObjectId(),
      siteId: input.siteId,
      username: input.username,
      usernameKey: uniqueKey(input.username),
      displayName: input.displayName,
      displayNameKey: uniqueKey(input.displayName),
      passwordHash: input.passwordHash,
      role: 'member',
      createdAt: new Date(),
    };
    await this.users.insertOne(user);
    return user;
  }
}
