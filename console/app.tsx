import { useEffect, useState } from 'preact/hooks';
import type { ConsoleAboutResponse, ConsoleAccount, ConsoleInviteResponse } from '../sdk/protocol';
import { api, callApi, type Failure, failureOf } from './api';
import { Field } from './field';
import { fill, pick, t } from './i18n';
import { SitePage, TABS, type Tab } from './site-page';
import { ResetPage, SignUpPage } from './account-pages';
import { accountsStrings } from './strings/accounts';

type Route = { page: 'home' } | { page: 'signup' } | { page: 'invite' | 'reset'; token: string } | { page: 'site'; siteId: string; tab: Tab };

const routeOf = (hash: string): Route => {
  const link = /^#\/(invite|reset)\/([A-Za-z0-9_-]+)$/.exec(hash);
  if (link?.[2]) return { page: link[1] === 'reset' ? 'reset' : 'invite', token: link[2] };
  if (hash === '#/signup') return { page: 'signup' };
  const site = /^#\/sites\/([a-z0-9-]+)(?:\/(\w+))?$/.exec(hash);
  if (site?.[1]) return { page: 'site', siteId: site[1], tab: TABS.find((tab) => tab === site[2]) ?? 'overview' };
  return { page: 'home' };
};

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
    if (route.page !== 'home' && route.page !== 'site') location.hash = '#/';
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
        ) : route.page === 'reset' ? (
          <ResetPage token={route.token} onSignedIn={signedIn} />
        ) : route.page === 'signup' && !account ? (
          <SignUpPage onSignedIn={signedIn} />
        ) : account && route.page === 'site' ? (
          <SitePage key={route.siteId} siteId={route.siteId} tab={route.tab} onSitesChange={() => void api.me().then((next) => next && setAccount(next))} />
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
  const s = pick(accountsStrings);
  const [signup, setSignup] = useState<ConsoleAboutResponse['signup']>('invite');
  useEffect(() => {
    callApi<ConsoleAboutResponse>('GET', '/api/console/about').then((about) => setSignup(about.signup), () => undefined);
  }, []);
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
      <p class="hint">{s.forgot}</p>
      {signup === 'open' && (
        <p>
          {s.noAccount} <a href="#/signup">{s.signUp}</a>
        </p>
      )}
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
          <table class="sites">
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
                  <td>
                    <a href={`#/sites/${encodeURIComponent(site.id)}/overview`}>{site.name}</a>
                  </td>
                  <td>
                    <code>{site.id}</code>
                  </td>
                  <td>{t.roles[site.role]}</td>
                  <td>
                    <div class="actions">
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
