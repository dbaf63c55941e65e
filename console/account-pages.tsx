import { useEffect, useState } from 'preact/hooks';
import type { ChallengeResponse, ConsoleAccount, ConsoleAccountResponse, ConsoleResetResponse } from '../sdk/protocol';
import { solve } from '../sdk/proof-of-work';
import { callApi, type Failure, failureOf } from './api';
import { Field } from './field';
import { fill, pick, t } from './i18n';
import { accountsStrings } from './strings/accounts';

/** Open sign-up (CONSOLE_SIGNUP=open): the proof of work is solved in the page (the SDK's solver, a few hundred bytes). */
export function SignUpPage({ onSignedIn }: { onSignedIn: (account: ConsoleAccount) => void }) {
  const s = pick(accountsStrings);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    setFailure(null);
    setBusy(true);
    try {
      const { challenge } = await callApi<ChallengeResponse>('GET', '/api/console/challenge');
      const proof = challenge ? await solve(challenge) : undefined;
      onSignedIn((await callApi<ConsoleAccountResponse>('POST', '/api/console/signup', { email, password, ...(proof ? { proof } : {}) })).account);
      location.hash = '#/';
    } catch (error) {
      setFailure(failureOf(error));
    } finally {
      setBusy(false);
    }
  };
  const fieldError = (field: string) => (failure?.field === field ? failure.message : undefined);
  return (
    <form class="card" noValidate onSubmit={submit} aria-labelledby="sign-up-title" aria-busy={busy}>
      <h1 id="sign-up-title">{s.signUpTitle}</h1>
      <p>{s.signUpBody}</p>
      <Field id="email" label={t.email} type="email" autoComplete="username" value={email} onInput={setEmail} error={fieldError('email')} />
      <Field id="password" label={s.newPassword} type="password" autoComplete="new-password" value={password} onInput={setPassword} error={fieldError('password')} />
      {failure && failure.field !== 'email' && failure.field !== 'password' && (
        <p class="error" role="alert">
          {failure.message}
        </p>
      )}
      {busy && <p role="status">{s.checking}</p>}
      <button type="submit" class="primary" disabled={busy}>
        {s.signUp}
      </button>
      <a href="#/">{s.haveAccount}</a>
    </form>
  );
}

/** A password-reset link from the operator: a new password, then signed in. */
export function ResetPage({ token, onSignedIn }: { token: string; onSignedIn: (account: ConsoleAccount) => void }) {
  const s = pick(accountsStrings);
  const [reset, setReset] = useState<ConsoleResetResponse['reset'] | null | undefined>(undefined);
  const [password, setPassword] = useState('');
  const [failure, setFailure] = useState<Failure | null>(null);
  const path = `/api/console/resets/${encodeURIComponent(token)}`;
  useEffect(() => {
    callApi<ConsoleResetResponse>('GET', path).then(({ reset }) => setReset(reset), () => setReset(null));
  }, [token]);
  if (reset === undefined) return <p role="status">{t.loading}</p>;
  if (reset === null)
    return (
      <p class="card" role="alert">
        {s.resetGone}
      </p>
    );
  const submit = async (event: Event) => {
    event.preventDefault();
    setFailure(null);
    try {
      onSignedIn((await callApi<ConsoleAccountResponse>('POST', path, { password })).account);
      location.hash = '#/';
    } catch (error) {
      setFailure(failureOf(error));
    }
  };
  return (
    <form class="card" noValidate onSubmit={submit} aria-labelledby="reset-title">
      <h1 id="reset-title">{s.resetTitle}</h1>
      <p>{fill(s.resetBody, { email: reset.email })}</p>
      <Field id="password" label={s.newPassword} type="password" autoComplete="new-password" value={password} onInput={setPassword} error={failure?.message} />
      <button type="submit" class="primary">
        {s.setPassword}
      </button>
    </form>
  );
}
