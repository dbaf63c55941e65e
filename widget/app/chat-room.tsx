import { useEffect, useRef, useState } from 'preact/hooks';
import type { Message } from '../../sdk';
import { Composer } from './composer';
import { describeTyping, locale, plural, t } from './i18n';
import { MessageList, refocusReportButton } from './message-list';
import { OnlineList } from './online-list';
import { PanelHeader } from './panel-header';
import { type ChatState, type ChatStore, describeError } from './store';

interface ChatRoomProps {
  state: ChatState;
  store: ChatStore;
  /** The host's title for the panel; default the room's name. */
  title?: string | undefined;
  onMinimise?: (() => void) | undefined;
}

/** The joined room: header, who is online, the messages and the composer. */
export function ChatRoom({ state, store, title, onMinimise }: ChatRoomProps) {
  const { room, user, status, online, notice } = state;
  const [reporting, setReporting] = useState<Message | null>(null);
  const reportHost = useRef<HTMLDivElement>(null);
  // the form is a lazy chunk: loaded the first time someone reports
  useEffect(() => {
    const host = reportHost.current;
    if (!reporting || !host) return;
    let unmount: (() => void) | undefined;
    let closed = false;
    const close = () => {
      setReporting(null);
      refocusReportButton();
    };
    import('./report-form').then(
      ({ mountReportForm }) => {
        if (closed) return;
        unmount = mountReportForm(host, {
          locale,
          authorName: reporting.author.displayName,
          onReport: (reason, details) => store.report(reporting.seq, reason, details),
          describeError,
          onClose: close,
        });
      },
      close,
    );
    return () => {
      closed = true;
      unmount?.();
    };
  }, [reporting]);
  const myId = user?.id ?? '';
  const offline = status !== 'online';
  // admins post in a paused room and are exempt from slow mode (the server checks; this only shows it)
  const moderator = user?.role === 'admin';
  const paused = room?.paused === true && !moderator;
  return (
    <div class="room">
      <PanelHeader
        title={
          title ?? (
            <>
              <span class="room-hash" aria-hidden="true">
                #
              </span>
              {room?.name ?? ''}
            </>
          )
        }
        subtitle={<span class="online-count">{plural(t.onlineCount, online.length)}</span>}
        onMinimise={onMinimise}
      >
        <button type="button" class="text-button" onClick={() => void store.logout()}>
          {t.logOut}
        </button>
      </PanelHeader>
      <main class="main">
        {room && <OnlineList users={online} myId={myId} />}
        {offline && (
          <p class="banner" role="status">
            {state.wasOnline ? t.offline : t.connecting}
          </p>
        )}
        {room ? (
          <>
            {notice && (
              <p class="banner banner-error" role="alert">
                {notice}
              </p>
            )}
            {room.paused && (
              <p class="banner" role="status">
                {t.paused}
              </p>
            )}
            <MessageList
              messages={state.messages}
              pending={state.pending}
              myId={myId}
              hasOlder={state.hasOlder}
              loadingOlder={state.loadingOlder}
              onLoadOlder={() => void store.loadOlder()}
              onRetry={store.retry}
              onDiscard={store.discard}
              onReport={setReporting}
            />
            {reporting && <div ref={reportHost} />}
            <p class="typing" aria-live="polite">
              {describeTyping(state.typing.map((u) => u.displayName))}
            </p>
          </>
        ) : notice ? (
          <div class="room-failed" role="alert">
            <p>{notice}</p>
            <button type="button" class="secondary" onClick={() => void store.rejoin()}>
              {t.tryAgain}
            </button>
          </div>
        ) : (
          <p class="room-loading" role="status">
            {t.joining}
          </p>
        )}
        <Composer
          disabled={offline || !room || paused}
          slowModeSeconds={moderator ? 0 : (room?.slowModeSeconds ?? 0)}
          nextSendAt={state.nextSendAt}
          onSend={store.send}
          onType={store.typing}
        />
      </main>
    </div>
  );
}
