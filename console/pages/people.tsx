import { useEffect, useRef, useState } from 'preact/hooks';
import type { DataExport, Message, MuteResponse, Role, RoleRequest, RoomInfo, RoomsResponse, SiteUser, SiteUserResponse, SiteUsersResponse } from '../../sdk/protocol';
import { outranks } from '../../sdk/roles';
import { type Failure, failureOf, siteCall } from '../api';
import { fill, language, pick } from '../i18n';
import { peopleStrings } from '../strings/people';
import type { PageProps } from './page';

// typing pauses this long before the search runs
const SEARCH_DELAY_MS = 300;
const SEARCH_LIMIT = 20;
const DURATIONS = ['600000', '3600000', '86400000', '604800000', '2592000000'] as const;
type Duration = (typeof DURATIONS)[number];

type Strings = (typeof peopleStrings)['en'];

const timeOf = (iso: string) => new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));

/** Finds the site's users by name; one user's rank, mutes, ban, data and recent messages. */
export function PeoplePage({ site }: PageProps) {
  const s = pick(peopleStrings);
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<{ query: string; users: SiteUser[] } | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [openId, setOpenId] = useState<string | null>(null);
  // what came of an account deleted from the user's card (the card is gone)
  const [said, setSaid] = useState('');
  const latest = useRef(0);

  const runSearch = async (text: string) => {
    const call = (latest.current += 1);
    try {
      const { users } = await siteCall<SiteUsersResponse>(site.id, 'GET', `users?q=${encodeURIComponent(text)}&limit=${SEARCH_LIMIT}`);
      // an older search that answers late is not shown over a newer one
      if (call === latest.current) {
        setFound({ query: text, users });
        setFailure(null);
      }
    } catch (error) {
      if (call === latest.current) setFailure(failureOf(error));
    }
  };
  useEffect(() => {
    const timer = setTimeout(() => void runSearch(query.trim()), query.trim() ? SEARCH_DELAY_MS : 0);
    return () => clearTimeout(timer);
  }, [query, site.id]);

  const searching = found === null || found.query !== query.trim();
  const count = found?.users.length ?? 0;
  const summary = searching
    ? s.searching
    : found.query
      ? fill(count === 0 ? s.foundNone : count === 1 ? s.foundOne : s.foundMany, { count: String(count) })
      : fill(count === 0 ? s.newestNone : count === 1 ? s.newestOne : s.newestMany, { count: String(count) });

  return (
    <>
      <section class="card people" aria-labelledby="people-title">
        <h2 id="people-title">{s.title}</h2>
        <div class="field" role="search">
          <label for="people-search">{s.search}</label>
          <input
            id="people-search"
            type="search"
            value={query}
            autoComplete="off"
            spellcheck={false}
            maxLength={100}
            aria-describedby="people-search-hint"
            onInput={(event) => setQuery((event.currentTarget as HTMLInputElement).value)}
          />
          <p id="people-search-hint" class="hint">
            {s.searchHint}
          </p>
        </div>
        <p role="status" class="people-count">
          {summary}
        </p>
        {failure && (
          <p class="error" role="alert">
            {failure.message}
          </p>
        )}
        {said && <p role="status">{said}</p>}
        {found && found.users.length > 0 && (
          <div class="people-scroll">
            <table aria-label={s.results}>
              <thead>
                <tr>
                  <th scope="col">{s.name}</th>
                  <th scope="col">{s.username}</th>
                  <th scope="col">{s.rank}</th>
                  <th scope="col">{s.status}</th>
                </tr>
              </thead>
              <tbody>
                {found.users.map((user) => (
                  <tr key={user.id} aria-current={user.id === openId ? 'true' : undefined}>
                    <th scope="row">
                      <button type="button" class="link" onClick={() => setOpenId(user.id)}>
                        {user.displayName}
                      </button>
                    </th>
                    <td>{user.guest ? '—' : user.username}</td>
                    <td>{s.ranks[user.role]}</td>
                    <td>{statusOf(user, s)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {openId && (
        <Person
          key={openId}
          site={site}
          userId={openId}
          onChanged={() => void runSearch(query.trim())}
          onClose={() => {
            setOpenId(null);
            document.getElementById('people-search')?.focus();
          }}
          onErased={(text) => {
            setOpenId(null);
            setSaid(text);
            document.getElementById('people-search')?.focus();
          }}
        />
      )}
    </>
  );
}

const statusOf = (user: SiteUser, s: Strings) => [user.banned ? s.banned : s.active, ...(user.guest ? [s.guestAccount] : [])].join(', ');

/** One user: rank (owners and admins), mutes, ban, their data (admins), recent messages. */
function Person({ site, userId, onChanged, onClose, onErased }: { site: PageProps['site']; userId: string; onChanged: () => void; onClose: () => void; onErased: (said: string) => void }) {
  const s = pick(peopleStrings);
  const [person, setPerson] = useState<SiteUserResponse | null>(null);
  const [rooms, setRooms] = useState<RoomInfo[]>([]);
  const [muteRoom, setMuteRoom] = useState('');
  const [duration, setDuration] = useState<Duration>('3600000');
  const [reason, setReason] = useState('');
  const [status, setStatus] = useState<string | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const shown = useRef(false);

  const load = () =>
    siteCall<SiteUserResponse>(site.id, 'GET', `users/${encodeURIComponent(userId)}`).then(setPerson, (error: unknown) => setFailure(failureOf(error)));
  useEffect(() => {
    void load();
    siteCall<RoomsResponse>(site.id, 'GET', 'rooms').then(({ rooms }) => {
      setRooms(rooms);
      setMuteRoom((current) => current || (rooms[0]?.id ?? ''));
    }, (error: unknown) => setFailure(failureOf(error)));
  }, [site.id, userId]);

  // once the user is shown, their name takes the focus: keyboard and screen reader users land on what opened
  useEffect(() => {
    if (person && !shown.current) {
      shown.current = true;
      heading.current?.focus();
    }
  }, [person]);

  /** Runs one change, then shows what it came to and reads the user again. */
  const act = async (change: () => Promise<string>) => {
    setFailure(null);
    setStatus(null);
    try {
      const done = await change();
      await load();
      setStatus(done);
      onChanged();
    } catch (error) {
      setFailure(failureOf(error));
    }
  };

  if (!person) {
    return (
      <section id="person" class="card people-person" aria-label={s.loading}>
        {failure ? <p class="error" role="alert">{failure.message}</p> : <p role="status">{s.loading}</p>}
      </section>
    );
  }
  const { user, mutes, recentMessages } = person;
  const name = user.displayName;
  const roomName = (roomId: string) => rooms.find((room) => room.id === roomId)?.name ?? roomId;
  // the console role as a chat rank: what the server lets it give (the server decides all the same)
  const own: Role = site.role;
  const ranks = (['admin', 'moderator'] as const).filter((rank) => outranks(own, rank) && outranks(own, user.role));
  const setRank = (rank: RoleRequest['role']) =>
    act(async () => {
      await siteCall(site.id, 'PUT', `users/${encodeURIComponent(user.id)}/role`, { role: rank } satisfies RoleRequest);
      return fill(s.rankChanged, { name, rank: s.ranks[rank] });
    });

  return (
    <section id="person" class="card people-person" aria-labelledby="person-title">
      <div class="people-head">
        <h2 id="person-title" tabIndex={-1} ref={heading}>
          {name}
        </h2>
        <button type="button" class="secondary" onClick={onClose}>
          {s.close}
        </button>
      </div>
      <dl class="people-facts">
        <dt>{s.username}</dt>
        <dd>{user.guest ? s.guestAccount : user.username}</dd>
        <dt>{s.rank}</dt>
        <dd>{s.ranks[user.role]}</dd>
        <dt>{s.status}</dt>
        <dd>{statusOf(user, s)}</dd>
        <dt>{s.joined}</dt>
        <dd>
          <time dateTime={user.createdAt}>{timeOf(user.createdAt)}</time>
        </dd>
      </dl>
      {/* always there, so screen readers are listening when an outcome is written into it */}
      <p role="status">
        {status}
      </p>
      {failure && (
        <p class="error" role="alert">
          {failure.message}
        </p>
      )}

      {site.role !== 'moderator' && (
        <section class="people-part" aria-labelledby="person-rank">
          <h3 id="person-rank">{s.rankTitle}</h3>
          {user.guest ? (
            <p>{s.guestRank}</p>
          ) : (
            <div class="actions">
              {ranks.map((rank) =>
                user.role === rank ? (
                  <button key={rank} type="button" class="secondary" onClick={() => void setRank('member')}>
                    {s.revoke[rank]}
                  </button>
                ) : (
                  <button key={rank} type="button" class="secondary" onClick={() => void setRank(rank)}>
                    {s.make[rank]}
                  </button>
                ),
              )}
            </div>
          )}
        </section>
      )}

      <section class="people-part" aria-labelledby="person-mutes">
        <h3 id="person-mutes">{s.muteTitle}</h3>
        {mutes.length === 0 ? (
          <p>{s.notMuted}</p>
        ) : (
          <ul class="people-mutes" aria-label={s.mutes}>
            {mutes.map((mute) => (
              <li key={mute.roomId}>
                <span>{fill(s.mutedUntil, { room: roomName(mute.roomId), time: timeOf(mute.until) })}</span>
                <button
                  type="button"
                  class="secondary"
                  onClick={() =>
                    void act(async () => {
                      await siteCall(site.id, 'DELETE', `rooms/${encodeURIComponent(mute.roomId)}/mutes/${encodeURIComponent(user.id)}`);
                      return fill(s.unmuted, { name, room: roomName(mute.roomId) });
                    })
                  }
                >
                  {fill(s.unmute, { room: roomName(mute.roomId) })}
                </button>
              </li>
            ))}
          </ul>
        )}
        <div class="people-row">
          <div class="field">
            <label for="person-room">{s.room}</label>
            <select id="person-room" value={muteRoom} onChange={(event) => setMuteRoom((event.currentTarget as HTMLSelectElement).value)}>
              {rooms.map((room) => (
                <option key={room.id} value={room.id}>
                  {room.name}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="person-duration">{s.duration}</label>
            <select id="person-duration" value={duration} onChange={(event) => setDuration((event.currentTarget as HTMLSelectElement).value as Duration)}>
              {DURATIONS.map((each) => (
                <option key={each} value={each}>
                  {s.durations[each]}
                </option>
              ))}
            </select>
          </div>
        </div>
        <button
          type="button"
          class="primary"
          disabled={!muteRoom}
          onClick={() =>
            void act(async () => {
              const { mute } = await siteCall<MuteResponse>(site.id, 'POST', `rooms/${encodeURIComponent(muteRoom)}/mutes`, { userId: user.id, durationMs: Number(duration) });
              return fill(s.muted, { name, room: roomName(mute.roomId), time: timeOf(mute.until) });
            })
          }
        >
          {s.mute}
        </button>
      </section>

      <section class="people-part" aria-labelledby="person-ban">
        <h3 id="person-ban">{s.banTitle}</h3>
        {user.banned ? (
          <>
            <p>{fill(s.isBanned, { name })}</p>
            <button
              type="button"
              class="secondary"
              onClick={() =>
                void act(async () => {
                  await siteCall(site.id, 'DELETE', `users/${encodeURIComponent(user.id)}/ban`);
                  return fill(s.unbannedNow, { name });
                })
              }
            >
              {s.unban}
            </button>
          </>
        ) : (
          <>
            <div class="field">
              <label for="person-reason">{s.reason}</label>
              <textarea id="person-reason" rows={2} maxLength={500} value={reason} onInput={(event) => setReason((event.currentTarget as HTMLTextAreaElement).value)} />
            </div>
            <button
              type="button"
              class="danger-button"
              onClick={() =>
                void act(async () => {
                  await siteCall(site.id, 'POST', `users/${encodeURIComponent(user.id)}/ban`, reason.trim() ? { reason } : {});
                  setReason('');
                  return fill(s.bannedNow, { name });
                })
              }
            >
              {s.ban}
            </button>
          </>
        )}
      </section>

      {outranks(own, user.role) && outranks(own, 'moderator') && (
        <section class="people-part" aria-labelledby="person-data">
          <h3 id="person-data">{s.dataTitle}</h3>
          <p class="hint">{s.dataHint}</p>
          <button
            type="button"
            class="secondary"
            onClick={() =>
              void act(async () => {
                const data = await siteCall<DataExport>(site.id, 'GET', `users/${encodeURIComponent(user.id)}/export`);
                const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
                Object.assign(document.createElement('a'), { href: url, download: `parley-${site.id}-${user.id}.json` }).click();
                setTimeout(() => URL.revokeObjectURL(url), 60_000);
                return fill(s.downloaded, { name });
              })
            }
          >
            {s.download}
          </button>{' '}
          <button
            type="button"
            class="danger-button"
            onClick={() => {
              if (!confirm(fill(s.confirmErase, { name }))) return;
              setFailure(null);
              siteCall(site.id, 'POST', `users/${encodeURIComponent(user.id)}/erase`, {}).then(
                () => {
                  onChanged();
                  onErased(fill(s.erased, { name }));
                },
                (error: unknown) => setFailure(failureOf(error)),
              );
            }}
          >
            {s.erase}
          </button>
        </section>
      )}

      <section class="people-part" aria-labelledby="person-recent">
        <h3 id="person-recent">{s.recent}</h3>
        <p class="hint">{s.recentHint}</p>
        {recentMessages.length === 0 ? <p>{s.noMessages}</p> : <RecentMessages messages={recentMessages} roomName={roomName} s={s} />}
      </section>
    </section>
  );
}

function RecentMessages({ messages, roomName, s }: { messages: Message[]; roomName: (roomId: string) => string; s: Strings }) {
  return (
    <ol class="people-messages">
      {messages.map((message) => (
        <li key={message.id}>
          <p class="people-meta">
            <span>{roomName(message.roomId)}</span> · <time dateTime={message.createdAt}>{timeOf(message.createdAt)}</time>
            {message.hiddenAt && <span> · {s.hidden}</span>}
          </p>
          <p class="people-text">{message.text}</p>
        </li>
      ))}
    </ol>
  );
}
