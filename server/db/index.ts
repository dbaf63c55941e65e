import type { Db } from 'mongodb';
import { isDuplicateKey } from '../errors';
import { IpBansRepository } from './ip-bans';
import { MessagesRepository } from './messages';
import { ModerationRepository } from './moderation';
import { ProofsRepository } from './proofs';
import { ConsoleAccountsRepository } from './console-accounts';
import { ReportsRepository } from './reports';
import { DEFAULT_ROOM, RoomsRepository } from './rooms';
import { ReactionsRepository } from './reactions';
import { MessageSearch } from './search';
import { Replies } from './replies';
import { SessionStore } from './sessions';
import { SiteActivityRepository } from './site-activity';
import { SitesRepository } from './sites';
import { UsersRepository } from './users';
import { UploadsRepository } from './uploads';
import { WebhooksRepository } from './webhooks';
import { EmailDigestsRepository } from './email-digests';
import { JobsRepository } from './jobs';
import type { ObjectStore } from '../uploads/object-store';

/** One repository per collection; the only code that speaks to MongoDB. */
export interface Repositories {
  sites: SitesRepository;
  users: UsersRepository;
  sessions: SessionStore;
  rooms: RoomsRepository;
  messages: MessagesRepository;
  moderation: ModerationRepository;
  reports: ReportsRepository;
  ipBans: IpBansRepository;
  proofs: ProofsRepository;
  consoleAccounts: ConsoleAccountsRepository;
  activity: SiteActivityRepository;
  /** Reactions on messages (written on the messages' documents). */
  reactions: ReactionsRepository;
  /** Search in a room (not a collection of its own: it reads messages). */
  search: MessageSearch;
  /** Replies: what a reply keeps of its original, and pages read with their originals as they are now. */
  replies: Replies;
  /** Uploaded images and their bytes. */
  uploads: UploadsRepository;
  /** Webhook endpoints, their deliveries and the queue of those still to make. */
  webhooks: WebhooksRepository;
  /** Email digests waiting to be sent. */
  emailDigests: EmailDigestsRepository;
  /** Periodic jobs' turns (retention), so one node at a time runs each. */
  jobs: JobsRepository;
}

/** Creates a site with its default room `general`; false when the id is taken. */
export async function createSite(repositories: Repositories, site: { id: string; name: string; allowedOrigins: string[] }): Promise<boolean> {
  const created = await repositories.sites.create(site);
  // also on an existing site: a site always has its default room (a duplicate key: another node's upsert won)
  await repositories.rooms.ensure(site.id, DEFAULT_ROOM, 'General').catch((error: unknown) => {
    if (!isDuplicateKey(error)) throw error;
  });
  return created;
}

/** Deletes a site and everything scoped by it: sessions first, so nobody stays signed in to a half-deleted site. */
export async function removeSite(repositories: Repositories, siteId: string): Promise<boolean> {
  await repositories.sessions.deleteBySite(siteId);
  await repositories.messages.deleteBySite(siteId);
  await repositories.uploads.deleteBySite(siteId);
  await repositories.webhooks.deleteBySite(siteId);
  await repositories.emailDigests.deleteBySite(siteId);
  await repositories.moderation.deleteBySite(siteId);
  await repositories.reports.deleteBySite(siteId);
  await repositories.ipBans.deleteBySite(siteId);
  await repositories.consoleAccounts.deleteInvitesOfSite(siteId);
  await repositories.consoleAccounts.forgetSite(siteId);
  await repositories.activity.deleteBySite(siteId);
  await repositories.rooms.deleteBySite(siteId);
  await repositories.users.deleteBySite(siteId);
  return repositories.sites.remove(siteId);
}

/** `objects`: the S3-compatible bucket uploads keep their bytes in (STORAGE_URL); without it, the database. */
export function createRepositories(db: Db, options: { sessionAbsoluteMs?: number; objects?: ObjectStore | undefined } = {}): Repositories {
  const messages = new MessagesRepository(db);
  return {
    sites: new SitesRepository(db),
    users: new UsersRepository(db),
    sessions: new SessionStore(db, options.sessionAbsoluteMs),
    rooms: new RoomsRepository(db),
    messages,
    moderation: new ModerationRepository(db),
    reports: new ReportsRepository(db),
    ipBans: new IpBansRepository(db),
    proofs: new ProofsRepository(db),
    consoleAccounts: new ConsoleAccountsRepository(db),
    activity: new SiteActivityRepository(db),
    reactions: new ReactionsRepository(db),
    search: new MessageSearch(db),
    replies: new Replies(messages),
    uploads: new UploadsRepository(db, options.objects),
    webhooks: new WebhooksRepository(db),
    emailDigests: new EmailDigestsRepository(db),
    jobs: new JobsRepository(db),
  };
}
