import type { Db } from 'mongodb';
import { MessagesRepository } from './messages';
import { RoomsRepository } from './rooms';
import { SessionStore } from './sessions';
import { SitesRepository } from './sites';
import { UsersRepository } from './users';

/** One repository per collection; the only code that speaks to MongoDB. */
export interface Repositories {
  sites: SitesRepository;
  users: UsersRepository;
  sessions: SessionStore;
  rooms: RoomsRepository;
  messages: MessagesRepository;
}

export function createRepositories(db: Db): Repositories {
  return {
    sites: new SitesRepository(db),
    users: new UsersRepository(db),
    sessions: new SessionStore(db),
    rooms: new RoomsRepository(db),
    messages: new MessagesRepository(db),
  };
}
