import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { ConsoleRole } from '../sdk/protocol';
import { api, type Failure, failureOf } from './api';
import { fill, t } from './i18n';
import type { ConsoleSite, PageProps } from './pages/page';
import { InstallPage } from './pages/install';
import { ModerationPage } from './pages/moderation';
import { TranscriptsPage } from './pages/transcripts';
import { PeoplePage } from './pages/people';
import { OverviewPage } from './pages/overview';
import { RoomsPage } from './pages/rooms';
import { SettingsPage } from './pages/settings';
import { TeamPage } from './pages/team';
import { WebhooksPage } from './pages/webhooks';

export const TABS = ['overview', 'install', 'settings', 'rooms', 'people', 'moderation', 'transcripts', 'webhooks', 'team'] as const;
export type Tab = (typeof TABS)[number];

/** Each section of a site, and who sees it (the server decides what each may do there). */
const SECTIONS: Record<Tab, { page: ComponentType<PageProps>; roles: readonly ConsoleRole[] }> = {
  overview: { page: OverviewPage, roles: ['owner', 'admin', 'moderator'] },
  install: { page: InstallPage, roles: ['owner', 'admin'] },
  settings: { page: SettingsPage, roles: ['owner', 'admin', 'moderator'] },
  rooms: { page: RoomsPage, roles: ['owner', 'admin', 'moderator'] },
  people: { page: PeoplePage, roles: ['owner', 'admin', 'moderator'] },
  moderation: { page: ModerationPage, roles: ['owner', 'admin', 'moderator'] },
  transcripts: { page: TranscriptsPage, roles: ['owner', 'admin', 'moderator'] },
  webhooks: { page: WebhooksPage, roles: ['owner', 'admin'] },
  team: { page: TeamPage, roles: ['owner', 'admin'] },
};

/** One site: its name, the sections the account's role opens, and the chosen one. */
export function SitePage({ siteId, tab, onSitesChange }: { siteId: string; tab: Tab; onSitesChange: () => void }) {
  const [site, setSite] = useState<ConsoleSite | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  useEffect(() => {
    setSite(null);
    api.site(siteId).then(setSite, (error: unknown) => setFailure(failureOf(error)));
  }, [siteId]);
  if (!site) return failure ? <p class="card error" role="alert">{failure.message}</p> : <p role="status">{t.loading}</p>;
  const tabs = TABS.filter((each) => SECTIONS[each].roles.includes(site.role));
  const shown = tabs.includes(tab) ? tab : 'overview';
  const Page = SECTIONS[shown].page;
  const changed = (next: ConsoleSite) => {
    setSite(next);
    onSitesChange();
  };
  return (
    <>
      <p>
        <a href="#/">{t.allSites}</a>
      </p>
      <h1 class="site-title">
        {site.name} <code>{site.id}</code>
      </h1>
      <nav class="tabs" aria-label={fill(t.siteSections, { site: site.name })}>
        {tabs.map((each) => (
          <a key={each} href={`#/sites/${encodeURIComponent(site.id)}/${each}`} aria-current={each === shown ? 'page' : undefined}>
            {t.tabs[each]}
          </a>
        ))}
      </nav>
      <Page site={site} onSiteChange={changed} />
    </>
  );
}
