import { Composer } from './composer';
import { MessageList } from './message-list';
import { OnlineList } from './online-list';
import { PanelHeader } from './panel-header';
import type { ChatState, ChatStore } from './store';

interface ChatRoomProps {
  state: ChatState;
  store: ChatStore;
  onMinimise?: () => void;
}

/** The joined room: header, who is online, the messages and the composer. */
export function ChatRoom({ state, store, onMinimise }: ChatRoomProps) {
  const { room, user, status, online, notice } = state;
  const myId = user?.id ?? '';
  return (
    <div class="room">
      <PanelHeader
        title={
          <>
            <span class="room-hash" aria-hidden="true">
              #
            </span>
            {room?.name ?? 'general'}
          </>
        }
        subtitle={<span class="online-count">{online.length} online</span>}
        onMinimise={onMinimise}
      >
        <button type="button" class="text-button" onClick={() => void store.logout()}>
          Log out
        </button>
      </PanelHeader>
      {room && <OnlineList users={online} myId={myId} />}
      {status !== 'online' && (
        <p class="banner" role="status">
          {state.wasOnline ? 'Reconnecting…' : 'Connecting…'}
        </p>
      )}
      {room ? (
        <>
          {notice && (
            <p class="banner banner-error" role="alert">
              {notice}
            </p>
          )}
          <MessageList messages={state.messages} myId={myId} />
          <p class="typing" aria-live="polite">
            {describeTyping(state.typing.map((u) => u.displayName))}
          </p>
        </>
      ) : notice ? (
        <div class="room-failed" role="alert">
          <p>{notice}</p>
          <button type="button" class="secondary" onClick={() => void store.rejoin()}>
            Try again
          </button>
        </div>
      ) : (
        <p class="room-loading" role="status">
          Joining the room…
        </p>
      )}
      <Composer disabled={status !== 'online' || !room} onSend={store.send} onType={store.typing} />
    </div>
  );
}

function describeTyping(names: readonly string[]): string {
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return 'Several people are typing…';
}
