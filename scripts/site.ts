// `npm run site -- <command>`: the operator's tool for sites (tenants). Talks to the same database as the server.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../server/config';
import { createRepositories, createSite, removeSite } from '../server/db';
import { connectDatabase } from '../server/db/connection';
import { findRunningEmbeddedDatabase, startEmbeddedDatabase } from '../server/processes/embedded-database';
import { normalizeOrigin } from '../server/db/sites';
import { isId } from '../server/validation';

const usage = `usage: npm run site -- <command>
  add <id> --name "Shop" --origin https://shop.example [--origin …]   create a site (with its room "general")
  list                                                                 list sites and their allowed origins
  origins <id> [--add <origin>]… [--remove <origin>]…                  change where the widget may be embedded
  rotate-secret <id>                                                   new identity-verification secret (the old one stops working)
  admin <id> <username>                                                grant a user the admin role
  owner <id> <email>                                                   print a one-time console invite link (7 days) making <email> an owner
  reset-password <email>                                               print a one-time link (1 hour) that sets a console account's password
  remove <id> --yes                                                    delete a site and all its users, rooms and messages`;

class UsageError extends Error {}

function siteId(value: string | undefined): string {
  if (!isId(value)) throw new UsageError('a site id is 1–40 of a-z, 0-9 and -');
  return value;
}

function origins(values: string[] | undefined): string[] {
  return (values ?? []).map((value) => {
    const origin = normalizeOrigin(value);
    if (!origin) throw new UsageError(`not an origin: ${value} (expected scheme://host[:port], e.g. https://shop.example)`);
    return origin;
  });
}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      origin: { type: 'string', multiple: true },
      add: { type: 'string', multiple: true },
      remove: { type: 'string', multiple: true },
      yes: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...args] = positionals;
  if (!command || values.help) {
    console.log(usage);
    return;
  }

  const config = loadConfig();
  let uri = config.mongodbUri ?? (await findRunningEmbeddedDatabase(path.join(config.dataDir, 'ferretdb')));
  // nothing running: start the embedded database for this command only
  const embedded = uri
    ? undefined
    : await startEmbeddedDatabase({ dataDir: path.join(config.dataDir, 'ferretdb'), cacheDir: config.cacheDir, log: (line) => console.error(line) });
  uri ??= embedded!.uri;
  const database = await connectDatabase(uri, config.dbName);
  const repositories = createRepositories(database.db);
  try {
    switch (command) {
      case 'add': {
        const id = siteId(args[0]);
        if (!values.name) throw new UsageError('add needs --name "…"');
        const allowedOrigins = origins(values.origin);
        if (!(await createSite(repositories, { id, name: values.name, allowedOrigins }))) throw new UsageError(`site ${id} already exists`);
        console.log(`created site ${id} (${values.name}); allowed origins: ${allowedOrigins.join(', ') || 'none yet'}`);
        break;
      }
      case 'list': {
        for (const site of await repositories.sites.list()) {
          console.log(`${site._id}\t${site.name}\t${site.allowedOrigins.join(' ') || '(no origins)'}`);
        }
        break;
      }
      case 'origins': {
        const id = siteId(args[0]);
        const updated = await repositories.sites.updateOrigins(id, { add: origins(values.add), remove: origins(values.remove) });
        if (!updated) throw new UsageError(`no site ${id}`);
        console.log(`${id}: ${updated.join(' ') || '(no origins)'}`);
        break;
      }
      case 'rotate-secret': {
        const id = siteId(args[0]);
        const secret = await repositories.sites.rotateSecret(id);
        if (!secret) throw new UsageError(`no site ${id}`);
        console.log(secret);
        break;
      }
      case 'admin': {
        const id = siteId(args[0]);
        if (!args[1]) throw new UsageError('admin needs a username');
        if (!(await repositories.users.setRole(id, args[1], 'admin'))) throw new UsageError(`no user ${args[1]} in site ${id}`);
        console.log(`${args[1]} is now an admin of ${id}`);
        break;
      }
      case 'owner': {
        const id = siteId(args[0]);
        const email = args[1]?.trim();
        if (!email || !/^[^\s@]+@[^\s@]+$/.test(email)) throw new UsageError('owner needs an email address');
        if (!(await repositories.sites.findById(id))) throw new UsageError(`no site ${id}`);
        const { token, expiresAt } = await repositories.consoleAccounts.invite({ siteId: id, role: 'owner', email, invitedBy: 'operator' });
        const base = config.publicUrl ?? `http://localhost:${config.port}`;
        console.log(`${new URL(`/console/#/invite/${token}`, base).href}\n(one use, for ${email}, until ${expiresAt.toISOString()})`);
        break;
      }
      case 'reset-password': {
        const email = args[0]?.trim();
        if (!email) throw new UsageError('reset-password needs the account’s email address');
        const account = await repositories.consoleAccounts.findByEmail(email);
        if (!account) throw new UsageError(`no console account for ${email}`);
        const { token, expiresAt } = await repositories.consoleAccounts.resetLink(account._id);
        const base = config.publicUrl ?? `http://localhost:${config.port}`;
        console.log(`${new URL(`/console/#/reset/${token}`, base).href}\n(one use, for ${account.email}, until ${expiresAt.toISOString()})`);
        break;
      }
      case 'remove': {
        const id = siteId(args[0]);
        if (!values.yes) throw new UsageError(`remove deletes every user, room and message of ${id}; add --yes to confirm`);
        if (!(await removeSite(repositories, id))) throw new UsageError(`no site ${id}`);
        console.log(`removed site ${id} and all its data`);
        break;
      }
      default:
        throw new UsageError(`unknown command: ${command}\n${usage}`);
    }
  } finally {
    await database.close();
    await embedded?.stop();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof UsageError || error instanceof Error ? error.message : error);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
