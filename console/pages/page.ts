import type { ConsoleSiteResponse } from '../../sdk/protocol';

/** A site as its console pages see it: id, name, the account's role there, allowed origins. */
export type ConsoleSite = ConsoleSiteResponse['site'];

/** What the site's shell gives each page. */
export interface PageProps {
  site: ConsoleSite;
  /** After a page changed the site itself (name, origins): the shell and the sites list show it. */
  onSiteChange: (site: ConsoleSite) => void;
}
