/** @jsxImportSource react */
// A React page with Parley two ways: the embeddable widget as a component (<ParleyWidget>), and a room of its own
// built on the hooks (useChat, useRoom, useMessages, usePresence, useTyping). `?server=` names the Parley server.
import { type FormEvent, StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { ParleyWidget, useChat, useMessages, usePresence, useRoom, useTyping } from '@parley/react';

const server = new URLSearchParams(location.search).get('server') ?? 'http://localhost:3000';
const site = 'demo';

function SignUp({ onSubmit }: { onSubmit: (account: { username: string; displayName: string; password: string }) => Promise<unknown> }) {
  const [failure, setFailure] = useState('');
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const field = (name: string) => String(form.get(name) ?? '');
    onSubmit({ username: field('username'), displayName: field('displayName'), password: field('password') }).catch((error: Error) => setFailure(error.message));
  };
  return (
    <form aria-label="Sign up" onSubmit={submit}>
      <label>
        Username <input name="username" required autoComplete="username" />
      </label>
      <label>
        Display name <input name="displayName" required />
      </label>
      <label>
        Password <input name="password" type="password" required autoComplete="new-password" />
      </label>
      <button type="submit">Sign up</button>
      {failure && <p role="alert">{failure}</p>}
    </form>
  );
}

function Room() {
  const { chat, user, status } = useChat({ baseUrl: server, site });
  const room = useRoom(chat, 'general');
  const messages = useMessages(room);
  const online = usePresence(room);
  const { typing, notifyTyping } = useTyping(room);
  const [text, setText] = useState('');
  if (!chat) return null;
  if (!user) return <SignUp onSubmit={(account) => chat.register(account)} />;
  const send = (event: FormEvent) => {
    event.preventDefault();
    if (!text.trim()) return;
    void room?.send(text);
    setText('');
  };
  return (
    <section aria-label="Room">
      <p>
        Signed in as {user.displayName} · <span data-testid="status">{status}</span>
      </p>
      <ul aria-label="Online">
        {online.map((person) => (
          <li key={person.id}>{person.displayName}</li>
        ))}
      </ul>
      <ol aria-label="Messages">
        {messages.map((message) => (
          <li key={message.seq}>
            <b>{message.author.displayName}</b> {message.deletedAt ? <i>deleted</i> : message.text}
          </li>
        ))}
      </ol>
      <p aria-live="polite">{typing.length > 0 && `${typing.map((person) => person.displayName).join(', ')} typing…`}</p>
      <form aria-label="Send a message" onSubmit={send}>
        <label>
          Message{' '}
          <input
            value={text}
            onChange={(event) => {
              setText(event.target.value);
              notifyTyping();
            }}
          />
        </label>
        <button type="submit">Send</button>
      </form>
    </section>
  );
}

function App() {
  const [embedded, setEmbedded] = useState(true);
  const [unread, setUnread] = useState(0);
  return (
    <main>
      <h1>Parley in React</h1>
      <button type="button" onClick={() => setEmbedded(!embedded)}>
        {embedded ? 'Remove the widget' : 'Add the widget'}
      </button>
      <p>Unread in the widget: {unread}</p>
      {embedded && <ParleyWidget server={server} site={site} onUnread={setUnread} />}
      <Room />
    </main>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
