import { useEffect, useState } from 'preact/hooks';
import type { ConsoleAccount, ConsoleInviteResponse, ConsoleRole, ConsoleTeamResponse } from '../sdk/protocol';
import { api, ConsoleError } from './api';
import { Field } from './field';
import { fill, t } from './i18n';

type Route = { page: 'home' } | { page: 'invite'; token: string };

const routeOf = (hash: string): Route => {
  const invite = /^#\/invite\/([A-Za-z0-9_-]+)$/.exec(hash);
  return invite?.[1] ? { page: 'invite', token: invite[1] } : { page: 'home' };
};

/** What went wrong, next to the field it is about when there is one. */
interface Failure {
  message: string;
  field?: string | undefined;
}
const failureOf = (error: unknown): Failure => (error instanceof ConsoleError ? { message: error.message, field: error.field } : { message: t.somethingWrong });

/** The console: sign in (or accept an invite), then the account's sites. */
export function App() {
  const [route, setRoute] = useState(() => routeOf(location.hash));
  const [account, setAccount] = useState<ConsoleAccount | null | undefined>(undefined);

  useEffect(() => {
    const onHash = () => setRoute(routeOf(location.hash));
    addEventListener('hashchange', onHash);
    api.me().then(setAccount, () => setAccount(null));
    return () => removeEventListener('hashchange', onHash);
  }, []);

  const signedIn = (next: ConsoleAccount) => {
    setAccount(next);
    if (route.page === 'invite') location.hash = '#/';
  };
  const signOut = async () => {
    await api.logout().catch(() => undefined);
    setAccount(null);
  };

  return (
    <>
      <header class="bar">
        <span class="brand">{t.title}</span>
        {account && (
          <span class="who">
            <span>{account.email}</span>
            <button type="button" class="secondary" onClick={() => void signOut()}>
              {t.signOut}
            </button>
          </span>
        )}
      </header>
      <main class="page">
        {account === undefined ? (
          <p role="status">{t.loading}</p>
        ) : route.page === 'invite' ? (
          <InvitePage token={route.token} onSignedIn={signedIn} />
        ) : account ? (
          <SitesPage account={account} onChange={setAccount} />
        ) : (
          <SignInPage onSignedIn={signedIn} />
        )}
      </main>
    </>
  );
}

function SignInPage({ onSignedIn }: { onSignedIn: (account: ConsoleAccount) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [failure, setFailure] = useState<Failure | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    setFailure(null);
    try {
      onSignedIn(await api.login({ email, password }));
    } catch (error) {
      setFailure(failureOf(error));
    }
  };
  return (
    <form class="card" noValidate onSubmit={submit} aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">{t.signInTitle}</h1>
      <Field id="email" label={t.email} type="email" autoComplete="username" value={email} onInput={setEmail} error={failure?.field === 'email' ? failure.message : undefined} />
      <Field id="password" label={t.password} type="password" autoComplete="current-password" value={password} onInput={setPassword} error={failure?.field === 'password' ? failure.message : undefined} />
      {failure && !failure.field && (
        <p class="error" role="alert">
          {failure.message}
        </p>
      )}
      <button type="submit" class="primary">
        {t.signIn}
      </button>
    </form>
  );
}

function InvitePage({ token, onSignedIn }: { token: string; onSignedIn: (account: ConsoleAccount) => void }) {
  const [invite, setInvite] = useState<ConsoleInviteResponse['invite'] | null | undefined>(undefined);
  const [password, setPassword] = useState('');
  const [failure, setFailure] = useState<Failure | null>(null);
  useEffect(() => {
    api.invite(token).then(setInvite, () => setInvite(null));
  }, [token]);
  if (invite === undefined) return <p role="status">{t.loading}</p>;
  if (invite === null) return <p class="card" role="alert">{t.inviteGone}</p>;
  const submit = async (event: Event) => {
    event.preventDefault();
    setFailure(null);
    try {
      onSignedIn(await api.accept(token, { password }));
    } catch (error) {
      setFailure(failureOf(error));
    }
  };
  return (
    <form class="card" noValidate onSubmit={submit} aria-labelledby="invite-title">
      <h1 id="invite-title">{fill(t.inviteTitle, { site: invite.site.name })}</h1>
      <p>{fill(t.inviteBody, { email: invite.email, role: t.roles[invite.role], site: invite.site.name })}</p>
      <Field
        id="password"
        label={invite.accountExists ? t.yourPassword : t.newPassword}
        type="password"
        autoComplete={invite.accountExists ? 'current-password' : 'new-password'}
        value={password}
        onInput={setPassword}
        error={failure ? failure.message : undefined}
      />
      <button type="submit" class="primary">
        {t.accept}
      </button>
    </form>
  );
}

function SitesPage({ account, onChange }: { account: ConsoleAccount; onChange: (account: ConsoleAccount) => void }) {
  const [draft, setDraft] = useState({ id: '', name: '', origin: '' });
  const [failure, setFailure] = useState<Failure | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const create = async (event: Event) => {
    event.preventDefault();
    setFailure(null);
    try {
      onChange(await api.createSite(draft));
      setDraft({ id: '', name: '', origin: '' });
    } catch (error) {
      setFailure(failureOf(error));
    }
  };
  const fieldError = (field: string) => (failure?.field === field ? failure.message : undefined);
  return (
    <>
      <section class="card" aria-labelledby="sites-title">
        <h1 id="sites-title">{t.sites}</h1>
        {status && <p role="status">{status}</p>}
        {account.sites.length === 0 ? (
          <p>{t.noSites}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">{t.site}</th>
                <th scope="col">{t.siteId}</th>
                <th scope="col">{t.role}</th>
                <td />
              </tr>
            </thead>
            <tbody>
              {account.sites.map((site) => (
                <tr key={site.id}>
                  <td>{site.name}</td>
                  <td>
                    <code>{site.id}</code>
                  </td>
                  <td>{t.roles[site.role]}</td>
                  <td>
                    <div class="actions">
                      <button type="button" class="secondary" aria-label={`${t.settings}: ${site.name}`} onClick={() => setEditing(site.id)}>
                        {t.settings}
                      </button>
                      {site.role === 'owner' && (
                        <button type="button" class="secondary" aria-label={`${t.deleteSite} ${site.name}`} onClick={() => setDeleting(site.id)}>
                          {t.deleteSite}
                        </button>
                      )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {editing && (
          <SiteSettings
            key={editing}
            siteId={editing}
            onClose={() => setEditing(null)}
            onSaved={async () => {
              const next = await api.me();
              if (next) onChange(next);
            }}
          />
        )}
        {deleting && (
          <DeleteSite
            site={account.sites.find((site) => site.id === deleting)!}
            onCancel={() => setDeleting(null)}
            onDeleted={async (name) => {
              setDeleting(null);
              setStatus(fill(t.deleted, { site: name }));
              const next = await api.me();
              if (next) onChange(next);
            }}
          />
        )}
      </section>
      <form class="card" noValidate onSubmit={create} aria-labelledby="create-title">
        <h2 id="create-title">{t.create}</h2>
        <Field id="site-id" label={t.siteId} hint={t.siteIdHint} value={draft.id} onInput={(id) => setDraft({ ...draft, id })} error={fieldError('id')} />
        <Field id="site-name" label={t.siteName} value={draft.name} onInput={(name) => setDraft({ ...draft, name })} error={fieldError('name')} />
        <Field id="site-origin" label={t.origin} type="url" hint={t.originHint} value={draft.origin} onInput={(origin) => setDraft({ ...draft, origin })} error={fieldError('origin')} />
        {failure && !['id', 'name', 'origin'].includes(failure.field ?? '') && (
          <p class="error" role="alert">
            {failure.message}
          </p>
        )}
        <button type="submit" class="primary">
          {t.create}
        </button>
      </form>
    </>
  );
}

function SiteSettings({ siteId, onClose, onSaved }: { siteId: string; onClose: () => void; onSaved: () => void }) {
  const [site, setSite] = useState<Awaited<ReturnType<typeof api.site>> | null>(null);
  const [name, setName] = useState('');
  const [origins, setOrigins] = useState('');
  const [failure, setFailure] = useState<Failure | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    api.site(siteId).then(
      (loaded) => {
        setSite(loaded);
        setName(loaded.name);
        setOrigins(loaded.allowedOrigins.join('\n'));
      },
      (error: unknown) => setFailure(failureOf(error)),
    );
  }, [siteId]);
  useEffect(() => {
    if (site) document.getElementById('settings-name')?.focus();
  }, [site]);
  if (!site) return failure ? <p class="error" role="alert">{failure.message}</p> : <p role="status">{t.loading}</p>;
  const editable = site.role !== 'moderator';
  const submit = async (event: Event) => {
    event.preventDefault();
    setFailure(null);
    setSaved(false);
    try {
      const allowedOrigins = origins.split('\n').map((line) => line.trim()).filter(Boolean);
      const stored = await api.updateSite(site.id, { name, allowedOrigins });
      setSite(stored);
      setOrigins(stored.allowedOrigins.join('\n'));
      setSaved(true);
      onSaved();
    } catch (error) {
      setFailure(failureOf(error));
    }
  };
  return (
    <>
      <form class="card nested" noValidate onSubmit={submit} aria-labelledby="settings-title" onKeyDown={(event) => event.key === 'Escape' && onClose()}>
        <h2 id="settings-title">{fill(t.settingsTitle, { site: site.name })}</h2>
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
        <div class="actions">
          {editable && (
            <button type="submit" class="primary">
              {t.save}
            </button>
          )}
          <button type="button" class="secondary" onClick={onClose}>
            {t.close}
          </button>
        </div>
      </form>
      <Team siteId={site.id} role={site.role} />
    </>
  );
}

/** Who works on the site; owners and admins invite by link and remove, within their reach. */
function Team({ siteId, role }: { siteId: string; role: ConsoleRole }) {
  const [team, setTeam] = useState<ConsoleTeamResponse['team']>([]);
  const [invite, setInvite] = useState({ email: '', role: 'moderator' as ConsoleRole });
  const [link, setLink] = useState<{ url: string; email: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const reload = () => api.team(siteId).then(setTeam, (error: unknown) => setFailure(failureOf(error)));
  useEffect(() => void reload(), [siteId]);
  if (role === 'moderator') return null;
  const owners = team.filter((member) => member.role === 'owner').length;
  const removable = (member: ConsoleTeamResponse['team'][number]) => (role === 'owner' ? member.role !== 'owner' || owners > 1 : member.role !== 'owner');
  const send = async () => {
    setFailure(null);
    setLink(null);
    setCopied(false);
    try {
      const answer = await api.inviteToTeam(siteId, invite);
      setLink({ url: new URL(answer.link, location.origin).href, email: invite.email });
      setInvite({ ...invite, email: '' });
    } catch (error) {
      setFailure(failureOf(error));
    }
  };
  return (
    <section aria-labelledby="team-title" class="card nested team">
      <h2 id="team-title">{t.team}</h2>
      <ul>
        {team.map((member) => (
          <li key={member.id}>
            <span>
              {member.email} · {t.roles[member.role]}
            </span>
            {removable(member) && (
              <button type="button" class="secondary" onClick={() => void api.removeFromTeam(siteId, member.id).then(reload, (error: unknown) => setFailure(failureOf(error)))}>
                {fill(t.remove, { email: member.email })}
              </button>
            )}
          </li>
        ))}
      </ul>
      <Field id="invite-email" label={t.email} type="email" value={invite.email} onInput={(value) => setInvite({ ...invite, email: value })} error={failure?.field === 'email' ? failure.message : undefined} />
      <div class="field">
        <label for="invite-role">{t.inviteRole}</label>
        <select id="invite-role" value={invite.role} onChange={(event) => setInvite({ ...invite, role: (event.currentTarget as HTMLSelectElement).value as ConsoleRole })}>
          {(role === 'owner' ? (['moderator', 'admin', 'owner'] as const) : (['moderator', 'admin'] as const)).map((each) => (
            <option key={each} value={each}>
              {t.roles[each]}
            </option>
          ))}
        </select>
      </div>
      {failure && failure.field !== 'email' && (
        <p class="error" role="alert">
          {failure.message}
        </p>
      )}
      <button type="button" class="primary" onClick={() => void send()}>
        {t.invite}
      </button>
      {link && (
        <div role="status" class="invite-link">
          <p>{fill(t.inviteLink, { email: link.email })}</p>
          <code>{link.url}</code>
          <button type="button" class="secondary" onClick={() => void navigator.clipboard.writeText(link.url).then(() => setCopied(true), () => undefined)}>
            {copied ? t.copied : t.copy}
          </button>
        </div>
      )}
    </section>
  );
}

function DeleteSite({ site, onCancel, onDeleted }: { site: ConsoleAccount['sites'][number]; onCancel: () => void; onDeleted: (name: string) => void }) {
  const [confirm, setConfirm] = useState('');
  const [failure, setFailure] = useState<Failure | null>(null);
  useEffect(() => document.getElementById('confirm-id')?.focus(), []);
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      await api.deleteSite(site.id, confirm);
      onDeleted(site.name);
    } catch (error) {
      setFailure(failureOf(error));
    }
  };
  return (
    <form class="danger" noValidate onSubmit={submit} aria-labelledby="delete-title" onKeyDown={(event) => event.key === 'Escape' && onCancel()}>
      <h2 id="delete-title">{fill(t.deleteTitle, { site: site.name })}</h2>
      <p>{t.deleteBody}</p>
      <Field id="confirm-id" label={t.confirmId} value={confirm} onInput={setConfirm} error={failure?.message} />
      <div class="actions">
        <button type="submit" class="danger-button" disabled={confirm !== site.id}>
          {t.confirmDelete}
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          {t.cancel}
        </button>
      </div>
    </form>
  );
}
