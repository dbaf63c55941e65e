import { useEffect, useRef, useState } from 'preact/hooks';
import type { Message, RoomInfo, RoomsResponse, TranscriptExportQuery, TranscriptResponse } from '../../sdk/protocol';
import { type Failure, failureOf, siteCall } from '../api';
import { fill, language, pick } from '../i18n';
import { transcriptsPageStrings } from '../strings/transcripts';
import type { PageProps } from './page';

const PAGE_SIZE = 50;
const MAX_EXPORT_DAYS = 366;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Today as the server counts days: UTC. */
const todayUtc = () => new Date().toISOString().slice(0, 10);
const clockOf = (iso: string) => new Intl.DateTimeFormat(language, { timeStyle: 'medium', timeZone: 'UTC' }).format(new Date(iso));

interface Shown {
  roomId: string;
  day: string;
  page: number;
  messages: Message[];
  next: number | null;
}

/** A room read by UTC day, a page at a time, and a range of days downloaded as JSON or CSV. */
export function TranscriptsPage({ site }: PageProps) {
  const s = pick(transcriptsPageStrings);
  const [rooms, setRooms] = useState<RoomInfo[] | null>(null);
  const [roomId, setRoomId] = useState('');
  const [day, setDay] = useState(todayUtc);
  const [shown, setShown] = useState<Shown | null>(null);
  const [loading, setLoading] = useState(false);
  const [status, setStatus] = useState<string | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const list = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    siteCall<RoomsResponse>(site.id, 'GET', 'rooms').then(({ rooms }) => {
      setRooms(rooms);
      setRoomId((current) => current || (rooms[0]?.id ?? ''));
    }, (error: unknown) => setFailure(failureOf(error)));
  }, [site.id]);
  const roomName = (id: string) => rooms?.find((room) => room.id === id)?.name ?? id;

  const read = async (target: { roomId: string; day: string; page: number; after: number }, focus: boolean) => {
    setLoading(true);
    setFailure(null);
    setStatus(null);
    try {
      const query = new URLSearchParams({ day: target.day, limit: String(PAGE_SIZE), ...(target.after ? { after: String(target.after) } : {}) });
      const { messages, next } = await siteCall<TranscriptResponse>(site.id, 'GET', `rooms/${encodeURIComponent(target.roomId)}/transcript?${query}`);
      setShown({ roomId: target.roomId, day: target.day, page: target.page, messages, next });
      // a new page starts at its heading, for keyboard and screen reader users alike
      if (focus) requestAnimationFrame(() => list.current?.focus());
    } catch (error) {
      setFailure(failureOf(error));
    } finally {
      setLoading(false);
    }
  };

  const remove = async (message: Message) => {
    setFailure(null);
    setStatus(null);
    try {
      await siteCall(site.id, 'DELETE', `rooms/${encodeURIComponent(message.roomId)}/messages/${message.seq}`);
      setShown((current) =>
        current && { ...current, messages: current.messages.map((each) => (each.seq === message.seq ? { ...each, text: '', deletedAt: new Date().toISOString() } : each)) },
      );
      setStatus(fill(s.deletedNow, { seq: String(message.seq), author: message.author.displayName }));
    } catch (error) {
      setFailure(failureOf(error));
    }
  };

  if (rooms === null) {
    return <section class="card">{failure ? <p class="error" role="alert">{failure.message}</p> : <p role="status">{s.loading}</p>}</section>;
  }
  if (rooms.length === 0) return <p class="card">{s.noRooms}</p>;

  const count = shown?.messages.length ?? 0;
  const summary = shown
    ? count === 0
      ? fill(s.empty, { day: shown.day, room: roomName(shown.roomId) })
      : fill(count === 1 ? s.pageOne : s.pageOf, { page: String(shown.page), day: shown.day, room: roomName(shown.roomId), count: String(count) })
    : loading
      ? s.loading
      : '';

  return (
    <>
      <section class="card records" aria-labelledby="read-title">
        <h2 id="read-title">{s.readTitle}</h2>
        <form
          class="records-filters"
          onSubmit={(event) => {
            event.preventDefault();
            if (day) void read({ roomId, day, page: 1, after: 0 }, false);
          }}
        >
          <RoomSelect id="read-room" label={s.room} rooms={rooms} value={roomId} onChange={setRoomId} />
          <div class="field">
            <label for="read-day">{s.day}</label>
            <input id="read-day" type="date" required value={day} onInput={(event) => setDay((event.currentTarget as HTMLInputElement).value)} />
          </div>
          <div class="actions">
            <button type="submit" class="primary" disabled={loading}>
              {s.read}
            </button>
          </div>
        </form>
        <p role="status" class="hint">
          {summary}
        </p>
        <p role="status">{status}</p>
        {failure && (
          <p class="error" role="alert">
            {failure.message}
          </p>
        )}
        {shown && count > 0 && (
          <>
            <h3 class="records-subtitle" id="read-list" tabIndex={-1} ref={list}>
              {fill(s.messages, { day: shown.day, room: roomName(shown.roomId) })}
            </h3>
            <ol class="records-messages" aria-labelledby="read-list">
              {shown.messages.map((message) => (
                <li key={message.id}>
                  <p class="records-meta">
                    <span>#{message.seq}</span> · <time dateTime={message.createdAt}>{clockOf(message.createdAt)}</time> · <span>{message.author.displayName}</span>
                    {message.editedAt && !message.deletedAt && <span> · {s.edited}</span>}
                    {message.hiddenAt && <span> · {s.hidden}</span>}
                  </p>
                  {message.deletedAt ? <p class="records-text records-deleted">{s.deletedText}</p> : <p class="records-text">{message.text}</p>}
                  {!message.deletedAt && (
                    <button type="button" class="secondary records-delete" onClick={() => void remove(message)}>
                      {fill(s.deleteMessage, { seq: String(message.seq), author: message.author.displayName })}
                    </button>
                  )}
                </li>
              ))}
            </ol>
          </>
        )}
        {shown?.next != null && (
          <button type="button" class="secondary records-more" disabled={loading} onClick={() => void read({ roomId: shown.roomId, day: shown.day, page: shown.page + 1, after: shown.next ?? 0 }, true)}>
            {s.nextPage}
          </button>
        )}
      </section>
      <ExportForm siteId={site.id} rooms={rooms} defaultRoom={roomId} />
    </>
  );
}

function RoomSelect({ id, label, rooms, value, onChange }: { id: string; label: string; rooms: RoomInfo[]; value: string; onChange: (roomId: string) => void }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={(event) => onChange((event.currentTarget as HTMLSelectElement).value)}>
        {rooms.map((room) => (
          <option key={room.id} value={room.id}>
            {room.name}
          </option>
        ))}
      </select>
    </div>
  );
}

/** The download is a plain link to the export: the browser streams it to a file, the console cookie goes with it. */
function ExportForm({ siteId, rooms, defaultRoom }: { siteId: string; rooms: RoomInfo[]; defaultRoom: string }) {
  const s = pick(transcriptsPageStrings);
  const [roomId, setRoomId] = useState(defaultRoom);
  const [from, setFrom] = useState(todayUtc);
  const [to, setTo] = useState(todayUtc);
  const [format, setFormat] = useState<TranscriptExportQuery['format']>('csv');

  const days = from && to ? (Date.parse(to) - Date.parse(from)) / DAY_MS + 1 : NaN;
  const problem = !from || !to || Number.isNaN(days) ? s.pickDays : days < 1 ? s.fromAfterTo : days > MAX_EXPORT_DAYS ? s.tooLong : null;
  const file = `${siteId}-${roomId}-${from}-${to}.${format}`;
  const query = new URLSearchParams({ from, to, format } satisfies Record<keyof TranscriptExportQuery, string>);
  const href = `/api/sites/${encodeURIComponent(siteId)}/rooms/${encodeURIComponent(roomId)}/export?${query}`;

  return (
    <section class="card records" aria-labelledby="export-title">
      <h2 id="export-title">{s.exportTitle}</h2>
      <p class="hint">{s.exportHint}</p>
      <div class="records-filters">
        <RoomSelect id="export-room" label={s.room} rooms={rooms} value={roomId} onChange={setRoomId} />
        <div class="field">
          <label for="export-from">{s.from}</label>
          <input id="export-from" type="date" required value={from} onInput={(event) => setFrom((event.currentTarget as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for="export-to">{s.to}</label>
          <input
            id="export-to"
            type="date"
            required
            value={to}
            aria-invalid={problem && problem !== s.pickDays ? true : undefined}
            aria-describedby={problem ? 'export-problem' : undefined}
            onInput={(event) => setTo((event.currentTarget as HTMLInputElement).value)}
          />
        </div>
        <div class="field">
          <label for="export-format">{s.format}</label>
          <select id="export-format" value={format} onChange={(event) => setFormat((event.currentTarget as HTMLSelectElement).value as TranscriptExportQuery['format'])}>
            <option value="csv">{s.csv}</option>
            <option value="json">{s.json}</option>
          </select>
        </div>
      </div>
      {problem ? (
        <p id="export-problem" class="error" role="alert">
          {problem}
        </p>
      ) : (
        <a class="button primary records-download" href={href} download={file}>
          {fill(s.download, { file })}
        </a>
      )}
    </section>
  );
}
