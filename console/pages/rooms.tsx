import { useEffect, useState } from 'preact/hooks';
import type { Access, RoomInfo, RoomResponse, RoomsResponse, UpdateRoomRequest } from '../../sdk/protocol';
import { type Failure, failureOf, siteCall } from '../api';
import { Field } from '../field';
import { fill, pick } from '../i18n';
import { roomsStrings } from '../strings/rooms';
import type { PageProps } from './page';

const SLOW_MODE_CHOICES = [0, 5, 10, 30, 60, 300, 900];
const ACCESS_CHOICES: readonly Access[] = ['members', 'guests', 'read-only'];

/** The site's rooms: admins create, rename, archive and open them; moderators slow, pause and resume them. */
export function RoomsPage({ site }: PageProps) {
  const s = pick(roomsStrings);
  const [rooms, setRooms] = useState<RoomInfo[] | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [draft, setDraft] = useState({ id: '', name: '' });
  const [failure, setFailure] = useState<Failure | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const admin = site.role !== 'moderator';
  const load = () => siteCall<RoomsResponse>(site.id, 'GET', 'rooms').then(({ rooms }) => setRooms(rooms), (error: unknown) => setFailure(failureOf(error)));
  useEffect(() => void load(), [site.id]);

  const create = async (event: Event) => {
    event.preventDefault();
    setFailure(null);
    try {
      const { room } = await siteCall<RoomResponse>(site.id, 'POST', 'rooms', draft);
      setDraft({ id: '', name: '' });
      setStatus(fill(s.created, { room: room.name }));
      await load();
    } catch (error) {
      setFailure(failureOf(error));
    }
  };
  const replaced = (room: RoomInfo) => setRooms((list) => list?.map((each) => (each.id === room.id ? room : each)) ?? null);
  const describeSlow = (seconds: number) => (seconds === 0 ? s.slowOff : fill(s.every, { seconds: String(seconds) }));

  if (!rooms) return failure ? <p class="card error" role="alert">{failure.message}</p> : <p role="status">…</p>;
  const open = rooms.find((room) => room.id === editing);
  return (
    <>
      <section class="card" aria-labelledby="rooms-title">
        <h2 id="rooms-title">{s.title}</h2>
        {!admin && <p>{s.adminsOnly}</p>}
        {status && <p role="status">{status}</p>}
        {rooms.length === 0 ? (
          <p>{s.none}</p>
        ) : (
          <div class="scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">{s.name}</th>
                  <th scope="col">{s.access}</th>
                  <th scope="col">{s.slowMode}</th>
                  <th scope="col">{s.state}</th>
                  <th scope="col">{s.actions}</th>
                </tr>
              </thead>
              <tbody>
                {rooms.map((room) => (
                  <tr key={room.id}>
                    <td>
                      {room.name} <code>{room.id}</code>
                    </td>
                    <td>{s.accessOf[room.access]}</td>
                    <td>{describeSlow(room.slowModeSeconds)}</td>
                    <td>{room.archived ? s.archived : room.paused ? s.paused : s.open}</td>
                    <td>
                      <button type="button" class="secondary" aria-expanded={editing === room.id} onClick={() => setEditing(editing === room.id ? null : room.id)}>
                        {fill(s.edit, { room: room.name })}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {open && <RoomEditor key={open.id} siteId={site.id} room={open} admin={admin} onChange={replaced} onClose={() => setEditing(null)} />}
      </section>
      {admin && (
        <form class="card" noValidate onSubmit={create} aria-labelledby="create-room-title">
          <h2 id="create-room-title">{s.create}</h2>
          <Field id="room-id" label={s.id} hint={s.idHint} value={draft.id} onInput={(id) => setDraft({ ...draft, id })} error={failure?.field === 'id' ? failure.message : undefined} />
          <Field id="room-name" label={s.name} value={draft.name} onInput={(name) => setDraft({ ...draft, name })} error={failure?.field === 'name' ? failure.message : undefined} />
          {failure && failure.field !== 'id' && failure.field !== 'name' && (
            <p class="error" role="alert">
              {failure.message}
            </p>
          )}
          <button type="submit" class="primary">
            {s.create}
          </button>
        </form>
      )}
    </>
  );
}

function RoomEditor({ siteId, room, admin, onChange, onClose }: { siteId: string; room: RoomInfo; admin: boolean; onChange: (room: RoomInfo) => void; onClose: () => void }) {
  const s = pick(roomsStrings);
  const [name, setName] = useState(room.name);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => document.getElementById('edit-room-name')?.focus(), []);
  const change = async (update: UpdateRoomRequest) => {
    setFailure(null);
    setSaved(false);
    try {
      onChange((await siteCall<RoomResponse>(siteId, 'PATCH', `rooms/${encodeURIComponent(room.id)}`, update)).room);
      setSaved(true);
    } catch (error) {
      setFailure(failureOf(error));
    }
  };
  return (
    <div class="card nested" role="group" aria-labelledby="edit-room-title" onKeyDown={(event) => event.key === 'Escape' && onClose()}>
      <h3 id="edit-room-title">{fill(s.editTitle, { room: room.name })}</h3>
      {admin && (
        <form
          class="inline-form"
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            void change({ name });
          }}
        >
          <Field id="edit-room-name" label={s.name} value={name} onInput={setName} error={failure?.field === 'name' ? failure.message : undefined} />
          <button type="submit" class="secondary">
            {s.rename}
          </button>
        </form>
      )}
      <div class="field">
        <label for="edit-room-slow">{s.slowMode}</label>
        <select id="edit-room-slow" value={String(room.slowModeSeconds)} onChange={(event) => void change({ slowModeSeconds: Number((event.currentTarget as HTMLSelectElement).value) })}>
          {[...new Set([...SLOW_MODE_CHOICES, room.slowModeSeconds])].sort((a, b) => a - b).map((seconds) => (
            <option key={seconds} value={String(seconds)}>
              {seconds === 0 ? s.slowOff : fill(s.every, { seconds: String(seconds) })}
            </option>
          ))}
        </select>
      </div>
      {admin && (
        <div class="field">
          <label for="edit-room-access">{s.access}</label>
          <select
            id="edit-room-access"
            value={room.access}
            onChange={(event) => {
              const value = (event.currentTarget as HTMLSelectElement).value;
              void change({ access: value === 'site' ? null : (value as Access) });
            }}
          >
            {ACCESS_CHOICES.map((access) => (
              <option key={access} value={access}>
                {s.accessOf[access]}
              </option>
            ))}
            <option value="site">{s.siteAccess}</option>
          </select>
        </div>
      )}
      <div class="actions">
        <button type="button" class="secondary" onClick={() => void change({ paused: !room.paused })}>
          {room.paused ? s.resume : s.pause}
        </button>
        {admin && room.id !== 'general' && (
          <button type="button" class="secondary" onClick={() => void change({ archived: !room.archived })}>
            {room.archived ? s.unarchive : s.archive}
          </button>
        )}
        <button type="button" class="secondary" onClick={onClose}>
          {s.close}
        </button>
      </div>
      {failure && failure.field !== 'name' && (
        <p class="error" role="alert">
          {failure.message}
        </p>
      )}
      {saved && <p role="status">{s.saved}</p>}
    </div>
  );
}
