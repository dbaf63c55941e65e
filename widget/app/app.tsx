import { useEffect, useState } from 'preact/hooks';
import type { AuthForm } from './auth-form';
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
  // the forms are a lazy chunk: a visitor whose session is restored never loads them
  const [Form, setForm] = useState<{ AuthForm: typeof AuthForm } | 'failed' | null>(null);
  const loadForm = () => {
    setForm(null);
    import('./auth-form').then(setForm, () => setForm('failed'));
  };
  useEffect(() => {
    if (state.view === 'auth' && !Form) loadForm();
  }, [state.view]);

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
        {state.view === 'auth' && Form && Form !== 'failed' && <Form.AuthForm store={store} notice={state.notice} guests={state.guests} />}
        {state.view === 'auth' && state.canRead && (
          <button type="button" class="link-button back" onClick={store.showRoom}>
            {t.backToChat}
          </button>
        )}
        {(state.view === 'starting' || (state.view === 'auth' && !Form)) && (
          <p class="loading" role="status">
            {t.loading}
          </p>
        )}
        {(state.view === 'unreachable' || (state.view === 'auth' && Form === 'failed')) && (
          <div class="unreachable" role="alert">
            <p>{t.unreachable}</p>
            {state.view === 'unreachable' && state.notice && <p class="detail">{state.notice}</p>}
            <button type="button" class="secondary" onClick={() => (state.view === 'auth' ? loadForm() : void store.start())}>
              {t.tryAgain}
            </button>
          </div>
        )}
      </main>
    </div>
  );
}
