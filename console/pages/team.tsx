import { useEffect, useState } from 'preact/hooks';
import type { ConsoleRole, ConsoleTeamResponse } from '../../sdk/protocol';
import { api, type Failure, failureOf } from '../api';
import { Field } from '../field';
import { fill, t } from '../i18n';
import type { PageProps } from './page';

/** Who works on the site; owners and admins invite by link and remove, within their reach. */
export function TeamPage({ site }: PageProps) {
  const { id: siteId, role } = site;
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
