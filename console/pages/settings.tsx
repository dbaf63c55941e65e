import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type {
  Access,
  ConsoleSiteResponse,
  PrePublishHookResponse,
  ReportSettingsResponse,
  Role,
  SiteSettings,
  SiteSettingsResponse,
  WordFilterAction,
  WordFilterResponse,
} from '../../sdk/protocol';
import { api, callApi, type Failure, failureOf, siteCall } from '../api';
import { Field } from '../field';
import { fill, pick, t } from '../i18n';
import { settingsStrings } from '../strings/settings';
import type { PageProps } from './page';

const ACCESS: readonly Access[] = ['members', 'guests', 'read-only'];
const RANKS: readonly Role[] = ['guest', 'member', 'moderator', 'admin', 'owner'];
const FILTER_ACTIONS: readonly WordFilterAction[] = ['refuse', 'mask', 'hold'];

/** The site's settings: name and origins, chat rules, word filter and hook (admins), and the account's chat user. */
export function SettingsPage(props: PageProps) {
  const admin = props.site.role !== 'moderator';
  return (
    <>
      <SiteForm {...props} />
      {admin && <RulesForm siteId={props.site.id} />}
      {admin && <WordFilterForm siteId={props.site.id} />}
      {admin && <HookForm siteId={props.site.id} />}
      <ChatUserForm {...props} />
    </>
  );
}

/** The site's name and allowed origins; read-only for moderators. */
function SiteForm({ site, onSiteChange }: PageProps) {
  const [name, setName] = useState(site.name);
  const [origins, setOrigins] = useState(site.allowedOrigins.join('\n'));
  const [failure, setFailure] = useState<Failure | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    setName(site.name);
    setOrigins(site.allowedOrigins.join('\n'));
  }, [site]);
  const editable = site.role !== 'moderator';
  const submit = async (event: Event) => {
    event.preventDefault();
    setFailure(null);
    setSaved(false);
    try {
      const allowedOrigins = origins.split('\n').map((line) => line.trim()).filter(Boolean);
      onSiteChange(await api.updateSite(site.id, { name, allowedOrigins }));
      setSaved(true);
    } catch (error) {
      setFailure(failureOf(error));
    }
  };
  return (
    <form class="card" noValidate onSubmit={submit} aria-labelledby="settings-title">
      <h2 id="settings-title">{t.settings}</h2>
      {!editable && <p>{t.readOnly}</p>}
      <Field id="settings-name" label={t.siteName} value={name} onInput={setName} error={failure?.field === 'name' ? failure.message : undefined} />
      <div class="field">
        <label for="settings-origins">{t.origins}</label>
        <textarea
          id="settings-origins"
          rows={4}
          value={origins}
          readOnly={!editable}
          aria-describedby="settings-origins-hint"
          onInput={(event) => setOrigins((event.currentTarget as HTMLTextAreaElement).value)}
        />
        <p id="settings-origins-hint" class="hint">
          {t.originsHint}
        </p>
      </div>
      {failure && failure.field !== 'name' && (
        <p class="error" role="alert">
          {failure.message}
        </p>
      )}
      {saved && <p role="status">{t.saved}</p>}
      {editable && (
        <div class="actions">
          <button type="submit" class="primary">
            {t.save}
          </button>
        </div>
      )}
    </form>
  );
}

/** A form of one section: its heading, an error or "Saved." under it. */
function Section({ id, title, hint, failure, saved, onSubmit, children }: { id: string; title: string; hint?: string; failure: Failure | null; saved: string | null; onSubmit: () => Promise<void>; children: ComponentChildren }) {
  return (
    <form
      class="card"
      noValidate
      aria-labelledby={`${id}-title`}
      onSubmit={(event) => {
        event.preventDefault();
        void onSubmit();
      }}
    >
      <h2 id={`${id}-title`}>{title}</h2>
      {hint && <p class="hint">{hint}</p>}
      {children}
      {failure && (
        <p class="error" role="alert">
          {failure.message}
        </p>
      )}
      {saved && <p role="status">{saved}</p>}
    </form>
  );
}

/** Runs a save, keeping its outcome for the section to show. */
function useSave() {
  const [failure, setFailure] = useState<Failure | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const run = async (save: () => Promise<string | void>) => {
    setFailure(null);
    setSaved(null);
    try {
      setSaved((await save()) || pick(settingsStrings).saved);
    } catch (error) {
      setFailure(failureOf(error));
    }
  };
  return { failure, saved, run, setFailure };
}

function Select<T extends string>({ id, label, value, options, onChange }: { id: string; label: string; value: T; options: ReadonlyArray<[T, string]>; onChange: (value: T) => void }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={(event) => onChange((event.currentTarget as HTMLSelectElement).value as T)}>
        {options.map(([each, text]) => (
          <option key={each} value={each}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
}

function NumberField({ id, label, value, min, max, onChange }: { id: string; label: string; value: number; min: number; max: number; onChange: (value: number) => void }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input id={id} type="number" inputMode="numeric" min={min} max={max} value={String(value)} onInput={(event) => onChange(Number((event.currentTarget as HTMLInputElement).value))} />
    </div>
  );
}

/** Access, posting rights, guest bans and the report threshold (admins). */
function RulesForm({ siteId }: { siteId: string }) {
  const s = pick(settingsStrings);
  const [settings, setSettings] = useState<SiteSettings | null>(null);
  const [hideAfter, setHideAfter] = useState(3);
  const { failure, saved, run, setFailure } = useSave();
  useEffect(() => {
    Promise.all([siteCall<SiteSettingsResponse>(siteId, 'GET', 'settings'), siteCall<ReportSettingsResponse>(siteId, 'GET', 'report-settings')]).then(
      ([loaded, reports]) => {
        setSettings(loaded.settings);
        setHideAfter(reports.reportSettings.hideAfter);
      },
      (error: unknown) => setFailure(failureOf(error)),
    );
  }, [siteId]);
  if (!settings) return failure ? <p class="card error" role="alert">{failure.message}</p> : null;
  const ranks = RANKS.map((rank): [Role, string] => [rank, s.ranks[rank]]);
  return (
    <Section
      id="rules"
      title={s.rules}
      failure={failure}
      saved={saved}
      onSubmit={() =>
        run(async () => {
          const { access, postingRights, guestBanHours, uploadMaxMB, emailDigests, retentionDays } = settings;
          setSettings((await siteCall<SiteSettingsResponse>(siteId, 'PATCH', 'settings', { access, postingRights, guestBanHours, uploadMaxMB, emailDigests, retentionDays })).settings);
          setHideAfter((await siteCall<ReportSettingsResponse>(siteId, 'PUT', 'report-settings', { hideAfter })).reportSettings.hideAfter);
        })
      }
    >
      <Select id="rules-access" label={s.access} value={settings.access} options={ACCESS.map((each): [Access, string] => [each, s.accessOf[each]])} onChange={(access) => setSettings({ ...settings, access })} />
      <Select id="rules-links" label={s.links} value={settings.postingRights.links} options={ranks} onChange={(links) => setSettings({ ...settings, postingRights: { ...settings.postingRights, links } })} />
      <Select
        id="rules-everyone"
        label={s.mentionEveryone}
        value={settings.postingRights.mentionEveryone}
        options={ranks}
        onChange={(mentionEveryone) => setSettings({ ...settings, postingRights: { ...settings.postingRights, mentionEveryone } })}
      />
      <NumberField id="rules-guest-ban" label={s.guestBanHours} value={settings.guestBanHours} min={0} max={8760} onChange={(guestBanHours) => setSettings({ ...settings, guestBanHours })} />
      <NumberField id="rules-upload-max" label={s.uploadMaxMB} value={settings.uploadMaxMB} min={0} max={20} onChange={(uploadMaxMB) => setSettings({ ...settings, uploadMaxMB })} />
      <NumberField id="rules-hide-after" label={s.hideAfter} value={hideAfter} min={0} max={100} onChange={setHideAfter} />
      <NumberField id="rules-retention" label={s.retentionDays} value={settings.retentionDays} min={0} max={3650} onChange={(retentionDays) => setSettings({ ...settings, retentionDays })} />
      <div class="check">
        <input id="rules-email-digests" type="checkbox" checked={settings.emailDigests} onChange={(event) => setSettings({ ...settings, emailDigests: (event.currentTarget as HTMLInputElement).checked })} />
        <label for="rules-email-digests">{s.emailDigests}</label>
      </div>
      <button type="submit" class="primary">
        {s.save}
      </button>
    </Section>
  );
}

/** The site's word filter (admins). */
function WordFilterForm({ siteId }: { siteId: string }) {
  const s = pick(settingsStrings);
  const [entries, setEntries] = useState<string | null>(null);
  const [action, setAction] = useState<WordFilterAction>('refuse');
  const { failure, saved, run, setFailure } = useSave();
  useEffect(() => {
    siteCall<WordFilterResponse>(siteId, 'GET', 'word-filter').then(
      ({ wordFilter }) => {
        setEntries(wordFilter.entries.join('\n'));
        setAction(wordFilter.action);
      },
      (error: unknown) => setFailure(failureOf(error)),
    );
  }, [siteId]);
  if (entries === null) return failure ? <p class="card error" role="alert">{failure.message}</p> : null;
  return (
    <Section
      id="word-filter"
      title={s.wordFilter}
      failure={failure}
      saved={saved}
      onSubmit={() =>
        run(async () => {
          const list = entries.split('\n').map((line) => line.trim()).filter(Boolean);
          const { wordFilter } = await siteCall<WordFilterResponse>(siteId, 'PUT', 'word-filter', { entries: list, action });
          setEntries(wordFilter.entries.join('\n'));
        })
      }
    >
      <div class="field">
        <label for="word-filter-entries">{s.entries}</label>
        <textarea id="word-filter-entries" rows={5} value={entries} aria-describedby="word-filter-hint" onInput={(event) => setEntries((event.currentTarget as HTMLTextAreaElement).value)} />
        <p id="word-filter-hint" class="hint">
          {s.entriesHint}
        </p>
      </div>
      <Select id="word-filter-action" label={s.filterAction} value={action} options={FILTER_ACTIONS.map((each): [WordFilterAction, string] => [each, s.filterActions[each]])} onChange={setAction} />
      <button type="submit" class="primary">
        {s.save}
      </button>
    </Section>
  );
}

/** The pre-publish hook (admins): its secret is shown once, when it is made. */
function HookForm({ siteId }: { siteId: string }) {
  const s = pick(settingsStrings);
  const [hook, setHook] = useState<{ url: string; timeoutMs: number; failOpen: boolean } | null>(null);
  const [stored, setStored] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const { failure, saved, run, setFailure } = useSave();
  useEffect(() => {
    siteCall<PrePublishHookResponse>(siteId, 'GET', 'pre-publish').then(
      (answer) => {
        setHook(answer.hook ?? { url: '', timeoutMs: 2_000, failOpen: true });
        setStored(answer.hook !== null);
      },
      (error: unknown) => setFailure(failureOf(error)),
    );
  }, [siteId]);
  if (!hook) return failure ? <p class="card error" role="alert">{failure.message}</p> : null;
  return (
    <Section
      id="hook"
      title={s.hook}
      hint={s.hookHint}
      failure={failure}
      saved={saved}
      onSubmit={() =>
        run(async () => {
          const answer = await siteCall<PrePublishHookResponse>(siteId, 'PUT', 'pre-publish', hook);
          if (answer.hook) setHook(answer.hook);
          setStored(true);
          setSecret(answer.secret ?? null);
        })
      }
    >
      <Field id="hook-url" label={s.hookUrl} type="url" value={hook.url} onInput={(url) => setHook({ ...hook, url })} />
      <NumberField id="hook-timeout" label={s.timeoutMs} value={hook.timeoutMs} min={100} max={10_000} onChange={(timeoutMs) => setHook({ ...hook, timeoutMs })} />
      <div class="check">
        <input id="hook-fail-open" type="checkbox" checked={hook.failOpen} onChange={(event) => setHook({ ...hook, failOpen: (event.currentTarget as HTMLInputElement).checked })} />
        <label for="hook-fail-open">{s.failOpen}</label>
      </div>
      {secret && (
        <p class="secret">
          {s.hookSecret} <code>{secret}</code>
        </p>
      )}
      <div class="actions">
        <button type="submit" class="primary">
          {s.save}
        </button>
        {stored && (
          <button
            type="button"
            class="secondary"
            onClick={() =>
              void run(async () => {
                await siteCall<void>(siteId, 'DELETE', 'pre-publish');
                setStored(false);
                setSecret(null);
                setHook({ url: '', timeoutMs: 2_000, failOpen: true });
                return s.hookRemoved;
              })
            }
          >
            {s.removeHook}
          </button>
        )}
      </div>
    </Section>
  );
}

/** The account's own chat user on the site, proven by its password: then one person in the moderation log. */
function ChatUserForm({ site, onSiteChange }: PageProps) {
  const s = pick(settingsStrings);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const { failure, saved, run } = useSave();
  const path = `/api/console/sites/${encodeURIComponent(site.id)}/chat-user`;
  return (
    <Section
      id="chat-user"
      title={s.chatUser}
      hint={s.chatUserHint}
      failure={failure}
      saved={saved}
      onSubmit={() =>
        run(async () => {
          onSiteChange((await callApi<ConsoleSiteResponse>('PUT', path, { username, password })).site);
          setPassword('');
        })
      }
    >
      <p>{site.chatUser ? fill(s.linkedAs, { name: site.chatUser.displayName }) : s.notLinked}</p>
      {site.chatUser ? (
        <button
          type="button"
          class="secondary"
          onClick={() =>
            void run(async () => {
              await callApi<void>('DELETE', path);
              onSiteChange(await api.site(site.id));
            })
          }
        >
          {s.unlink}
        </button>
      ) : (
        <>
          <Field id="chat-username" label={s.username} autoComplete="off" value={username} onInput={setUsername} />
          <Field id="chat-password" label={s.password} type="password" autoComplete="off" value={password} onInput={setPassword} />
          <button type="submit" class="primary">
            {s.link}
          </button>
        </>
      )}
    </Section>
  );
}
