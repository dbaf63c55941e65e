import { useEffect, useRef, useState } from 'preact/hooks';
import type { ModerationAction, ModerationActionType, ModerationLogResponse, ReportedMessage, ReportsResponse, ResolveReportRequest, ResolveReportResponse, RoomInfo, RoomsResponse } from '../../sdk/protocol';
import { type Failure, failureOf, siteCall } from '../api';
import { fill, language, pick } from '../i18n';
import { moderationPageStrings } from '../strings/moderation';
import type { PageProps } from './page';

const LOG_PAGE = 50;

type Strings = (typeof moderationPageStrings)['en'];

const timeOf = (iso: string) => new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));

/** The reports queue with its resolutions, and the moderation log with its filters. */
export function ModerationPage({ site }: PageProps) {
  const [rooms, setRooms] = useState<RoomInfo[]>([]);
  useEffect(() => {
    // names only: a room missing from the list shows by its id
    siteCall<RoomsResponse>(site.id, 'GET', 'rooms').then(({ rooms }) => setRooms(rooms), () => undefined);
  }, [site.id]);
  const roomName = (roomId: string) => rooms.find((room) => room.id === roomId)?.name ?? roomId;
  const [logVersion, setLogVersion] = useState(0);
  return (
    <>
      <Reports siteId={site.id} roomName={roomName} onResolved={() => setLogVersion((version) => version + 1)} />
      <ModerationLog siteId={site.id} roomName={roomName} version={logVersion} />
    </>
  );
}

function Reports({ siteId, roomName, onResolved }: { siteId: string; roomName: (roomId: string) => string; onResolved: () => void }) {
  const s = pick(moderationPageStrings);
  const [reported, setReported] = useState<ReportedMessage[] | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  const load = () => siteCall<ReportsResponse>(siteId, 'GET', 'reports').then(({ reported }) => setReported(reported));
  useEffect(() => {
    load().catch((error: unknown) => setFailure(failureOf(error)));
  }, [siteId]);

  const resolve = async (entry: ReportedMessage, action: ResolveReportRequest['action']) => {
    setStatus(null);
    setFailure(null);
    try {
      const { message } = entry;
      await siteCall<ResolveReportResponse>(siteId, 'POST', 'reports/resolve', { roomId: message.roomId, seq: message.seq, action } satisfies ResolveReportRequest);
      await load();
      setStatus(fill(action === 'dismiss' ? s.dismissed : s.deleted, { author: message.author.displayName }));
      onResolved();
      // the resolved entry is gone: the focus goes back to the section, not to the page's top
      heading.current?.focus();
    } catch (error) {
      setFailure(failureOf(error));
    }
  };

  const count = reported?.length ?? 0;
  const summary = reported === null ? s.reportsLoading : count === 0 ? s.noReports : count === 1 ? s.reportsOne : fill(s.reportsCount, { count: String(count) });
  return (
    <section class="card records" aria-labelledby="reports-title">
      <h2 id="reports-title" tabIndex={-1} ref={heading}>
        {s.reportsTitle}
      </h2>
      <p class="hint">{summary}</p>
      <p role="status">{status}</p>
      {failure && (
        <p class="error" role="alert">
          {failure.message}
        </p>
      )}
      {reported && reported.length > 0 && (
        <ul class="records-reports">
          {reported.map((entry) => {
            const { message } = entry;
            return (
              <li key={message.id}>
                <p class="records-meta">
                  {fill(s.reportedIn, { room: roomName(message.roomId), time: timeOf(message.createdAt), author: message.author.displayName })}
                  {message.hiddenAt && <span> · {s.hidden}</span>}
                </p>
                <p class="records-text">{message.text}</p>
                <ul class="records-why" aria-label={s.reportsOf}>
                  {entry.reports.map((report, index) => (
                    <li key={index}>
                      {fill(s.reportBy, { reason: s.reasons[report.reason], reporter: report.reporter.displayName })}
                      {report.details && <span>: {report.details}</span>}
                    </li>
                  ))}
                </ul>
                <div class="actions">
                  <button type="button" class="secondary" onClick={() => void resolve(entry, 'dismiss')}>
                    {s.dismiss}
                  </button>
                  <button type="button" class="danger-button" onClick={() => void resolve(entry, 'delete')}>
                    {s.deleteMessage}
                  </button>
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

interface LogFilters {
  action: ModerationActionType | '';
  actor: string;
  target: string;
}

const NO_FILTERS: LogFilters = { action: '', actor: '', target: '' };

function queryOf(filters: LogFilters, before?: string): string {
  const query = new URLSearchParams({ limit: String(LOG_PAGE) });
  if (filters.action) query.set('action', filters.action);
  if (filters.actor.trim()) query.set('actor', filters.actor.trim());
  if (filters.target.trim()) query.set('target', filters.target.trim());
  if (before) query.set('before', before);
  return query.toString();
}

function ModerationLog({ siteId, roomName, version }: { siteId: string; roomName: (roomId: string) => string; version: number }) {
  const s = pick(moderationPageStrings);
  const [draft, setDraft] = useState<LogFilters>(NO_FILTERS);
  const [filters, setFilters] = useState<LogFilters>(NO_FILTERS);
  const [entries, setEntries] = useState<ModerationAction[] | null>(null);
  const [more, setMore] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const latest = useRef(0);

  const load = async (applied: LogFilters, before?: string) => {
    const call = (latest.current += 1);
    setFailure(null);
    try {
      const { actions } = await siteCall<ModerationLogResponse>(siteId, 'GET', `moderation?${queryOf(applied, before)}`);
      if (call !== latest.current) return;
      setEntries((shown) => (before ? [...(shown ?? []), ...actions] : actions));
      setMore(actions.length === LOG_PAGE);
    } catch (error) {
      if (call === latest.current) setFailure(failureOf(error));
    }
  };
  useEffect(() => {
    void load(filters);
  }, [siteId, filters, version]);

  const apply = (next: LogFilters) => {
    setEntries(null);
    setFilters(next);
  };
  const names = Object.keys(s.actions) as ModerationActionType[];
  const count = entries?.length ?? 0;
  const summary = entries === null ? s.logLoading : count === 0 ? s.logEmpty : count === 1 ? s.logOne : fill(s.logCount, { count: String(count) });

  return (
    <section class="card records" aria-labelledby="log-title">
      <h2 id="log-title">{s.logTitle}</h2>
      <form
        class="records-filters"
        aria-label={s.filters}
        onSubmit={(event) => {
          event.preventDefault();
          apply({ ...draft });
        }}
      >
        <div class="field">
          <label for="log-action">{s.action}</label>
          <select id="log-action" value={draft.action} onChange={(event) => setDraft({ ...draft, action: (event.currentTarget as HTMLSelectElement).value as LogFilters['action'] })}>
            <option value="">{s.anyAction}</option>
            {names.map((name) => (
              <option key={name} value={name}>
                {s.actions[name]}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="log-actor">{s.moderatorId}</label>
          <input
            id="log-actor"
            value={draft.actor}
            autoComplete="off"
            spellcheck={false}
            aria-describedby="log-actor-hint"
            aria-invalid={failure?.field === 'actor' ? true : undefined}
            onInput={(event) => setDraft({ ...draft, actor: (event.currentTarget as HTMLInputElement).value })}
          />
          <p id="log-actor-hint" class="hint">
            {s.moderatorHint}
          </p>
        </div>
        <div class="field">
          <label for="log-target">{s.userId}</label>
          <input
            id="log-target"
            value={draft.target}
            autoComplete="off"
            spellcheck={false}
            aria-describedby="log-target-hint"
            aria-invalid={failure?.field === 'target' ? true : undefined}
            onInput={(event) => setDraft({ ...draft, target: (event.currentTarget as HTMLInputElement).value })}
          />
          <p id="log-target-hint" class="hint">
            {s.userHint}
          </p>
        </div>
        <div class="actions">
          <button type="submit" class="primary">
            {s.apply}
          </button>
          <button
            type="button"
            class="secondary"
            onClick={() => {
              setDraft(NO_FILTERS);
              apply(NO_FILTERS);
            }}
          >
            {s.clear}
          </button>
        </div>
      </form>
      <p role="status" class="hint">
        {summary}
      </p>
      {failure && (
        <p class="error" role="alert">
          {failure.message}
        </p>
      )}
      {entries && entries.length > 0 && (
        // scrolls sideways on a phone: focusable, so the keyboard scrolls it too
        <div class="scroll" tabIndex={0} role="region" aria-label={s.logTitle}>
          <table class="records-log" aria-labelledby="log-title">
            <thead>
              <tr>
                <th scope="col">{s.when}</th>
                <th scope="col">{s.action}</th>
                <th scope="col">{s.who}</th>
                <th scope="col">{s.room}</th>
                <th scope="col">{s.user}</th>
                <th scope="col">{s.details}</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.id}>
                  <th scope="row">
                    <time dateTime={entry.createdAt}>{timeOf(entry.createdAt)}</time>
                  </th>
                  <td>{s.actions[entry.action] ?? entry.action}</td>
                  <td>
                    {entry.actor.displayName}
                    <br />
                    <code>{entry.actor.id}</code>
                  </td>
                  <td>{entry.roomId ? roomName(entry.roomId) : '—'}</td>
                  <td>{entry.targetUserId ? <code>{entry.targetUserId}</code> : '—'}</td>
                  <td>{detailsOf(entry, s) || '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {more && entries && (
        <button type="button" class="secondary records-more" onClick={() => void load(filters, entries[entries.length - 1]?.id)}>
          {s.older}
        </button>
      )}
    </section>
  );
}

const detailsOf = (entry: ModerationAction, s: Strings) =>
  [entry.seq === undefined ? '' : fill(s.message, { seq: String(entry.seq) }), entry.until ? fill(s.until, { time: timeOf(entry.until) }) : '', entry.reason ?? '']
    .filter(Boolean)
    .join(' · ');
