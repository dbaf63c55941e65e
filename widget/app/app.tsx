import { useEffect } from 'preact/hooks';
import { AuthForm } from './auth-form';
import { ChatRoom } from './chat-room';
import type { HostBridge } from './host-bridge';
import { t } from './i18n';
import { PanelHeader } from './panel-header';
import type { ChatStore } from './store';
import { useChatState } from './use-chat-state';

interface AppProps {
  store: ChatStore;
  bridge: HostBridge;
  /** The host's title for the panel; default the room's name. */
  title?: string;
}

/** Picks the view: loading, unreachable, sign in, or the room. */
export function App({ store, bridge, title }: AppProps) {
  const state = useChatState(store);
  const minimise = bridge.embedded ? () => bridge.close() : undefined;

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      // the loader closes the panel and puts focus back on the launcher
      if (event.key === 'Escape' && !event.defaultPrevented) bridge.close();
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, [bridge]);

  if (state.view === 'room') return <ChatRoom state={state} store={store} title={title} onMinimise={minimise} />;

  return (
    <div class="welcome">
      <PanelHeader title={title ?? t.welcomeTitle} subtitle={t.welcomeSubtitle} onMinimise={minimise} />
      <main class="main">
        {state.view === 'auth' && <AuthForm store={store} notice={state.notice} />}
        {state.view === 'starting' && (
          <p class="loading" role="status">
            {t.loading}
          </p>
        )}
        {state.view === 'unreachable' && (
          <div class="unreachable" role="alert">
            <p>{t.unreachable}</p>
            {state.notice && <p class="detail">{state.notice}</p>}
            <button type="button" class="secondary" onClick={() => void store.start()}>
              {t.tryAgain}
            </button>
          </div>
        )}
      </main>
    </div>
  );
}
