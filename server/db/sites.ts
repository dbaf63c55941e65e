import { randomBytes } from 'node:crypto';
import type { Collection, Db } from 'mongodb';

export interface SiteDocument {
  _id: string;
  name: string;
  allowedOrigins: string[];
  identitySecret: string;
  createdAt: Date;
}

export class SitesRepository {
  private readonly sites: Collection<SiteDocument>;

  constructor(db: Db) {
    this.sites = db.collection<SiteDocument>('sites');
  }

  findById(siteId: string): Promise<SiteDocument | null> {
    return this.sites.findOne({ _id: siteId });
  }

  /** Creates the site unless it exists; never changes an existing one. */
  async ensure(site: { id: string; name: string; allowedOrigins: string[] }): Promise<void> {
    await this.sites.updateOne(
      { _id: site.id },
      {
        $setOnInsert: {
          name: site.name,
          allowedOrigins: site.allowedOrigins,
          identitySecret: randomBytes(32).toString('hex'),
          createdAt: new Date(),
        },
      },
      { upsert: true },
    );
  }
}
