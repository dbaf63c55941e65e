import { useEffect } from 'preact/hooks';
import { AuthForm } from './auth-form';
import { ChatRoom } from './chat-room';
import type { HostBridge } from './host-bridge';
import { PanelHeader } from './panel-header';
import type { ChatStore } from './store';
import { useChatState } from './use-chat-state';

interface AppProps {
  store: ChatStore;
  bridge: HostBridge;
}

/** Picks the view: loading, unreachable, sign in, or the room. */
export function App({ store, bridge }: AppProps) {
  const state = useChatState(store);
  const minimise = bridge.embedded ? () => bridge.close() : undefined;

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === 'Escape') bridge.close();
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, [bridge]);

  if (state.view === 'room') return <ChatRoom state={state} store={store} onMinimise={minimise} />;

  return (
    <div class="welcome">
      <PanelHeader title="Chat" subtitle="Talk with us and other visitors" onMinimise={minimise} />
      {state.view === 'auth' && <AuthForm store={store} notice={state.notice} />}
      {state.view === 'starting' && (
        <p class="loading" role="status">
          Loading…
        </p>
      )}
      {state.view === 'unreachable' && (
        <div class="unreachable" role="alert">
          <p>The chat is not reachable right now.</p>
          {state.notice && <p class="detail">{state.notice}</p>}
          <button type="button" class="secondary" onClick={() => void store.start()}>
            Try again
          </button>
        </div>
      )}
    </div>
  );
}
