import { type AppMessage, type AppSettings, type Identity, type MessageSummary, readIdentity, readMessageType, readSettings } from '../bridge';

/** What the loader's hello carried: the host page's settings and the identity to sign in with, if any. */
export interface Hello {
  settings: AppSettings;
  identity?: Identity;
  /** The host page's address: email digests link back to it (the server keeps its origin and path). */
  page?: string;
}

/** The app's side of the postMessage bridge with the loader on the host page. */
export interface HostBridge {
  /** True inside an iframe: there is a panel for the host page to close. */
  readonly embedded: boolean;
  /** Whether the panel is showing: after `parley:open`, until a close from either side. Always true when not embedded. */
  readonly open: boolean;
  /** Asks the loader to close the panel (minimise, Esc); the panel counts as closed from now on. */
  close(): void;
  /** Called each time the panel opens or closes. */
  onToggle(listener: (open: boolean) => void): () => void;
  /** The loader's hello; undefined when not embedded, or when no loader answers in time. */
  hello(timeoutMs: number): Promise<Hello | undefined>;
  /** Called when the host page identifies its user after the app started. */
  onIdentify(listener: (identity: Identity) => void): void;
  /** Called when the host page logs its user out (`Parley('logout')`). */
  onLogout(listener: () => void): void;
  /** Messages not seen yet; 0 once seen. */
  /** Unread messages, and how many of them mention the user. */
  postUnread(count: number, mentions: number): void;
  /** Every new message, for the host page's `Parley('on', 'message', cb)` listeners. */
  postMessage(message: MessageSummary): void;
  /** Whether a user is signed in now: the loader uses it to load the app early next time. */
  postSession(signedIn: boolean): void;
}

const HOST_MESSAGES = ['parley:hello', 'parley:open', 'parley:close', 'parley:identify', 'parley:logout'] as const;

export function connectHostBridge(): HostBridge {
  const parent = window.parent;
  const embedded = parent !== window;
  // learned from the loader's hello: replies go to that exact origin, never '*'
  let hostOrigin: string | undefined;
  // a panel that was never opened is closed: messages that arrive now are unread
  let open = !embedded;
  const toggleListeners = new Set<(open: boolean) => void>();
  let identifyListener: (identity: Identity) => void = () => undefined;
  let logoutListener: () => void = () => undefined;
  let greet: (hello: Hello) => void = () => undefined;
  const greeted = new Promise<Hello>((resolve) => (greet = resolve));

  const post = (message: AppMessage) => {
    if (hostOrigin) parent.postMessage(message, hostOrigin);
  };
  const setOpen = (next: boolean) => {
    if (next === open) return;
    open = next;
    for (const listener of [...toggleListeners]) listener(next);
  };

  if (embedded) {
    // carries nothing, and the host's origin is not known yet: the only message sent to '*'
    parent.postMessage({ type: 'parley:ready' } satisfies AppMessage, '*');
    window.addEventListener('message', (event) => {
      if (event.source !== parent) return;
      const data: unknown = event.data;
      const type = readMessageType(data, HOST_MESSAGES);
      if (type === 'parley:hello') {
        if (event.origin === 'null' || hostOrigin) return;
        hostOrigin = event.origin;
        const { settings, identity, page } = data as { settings?: unknown; identity?: unknown; page?: unknown };
        const known = readIdentity(identity);
        greet({ settings: readSettings(settings), ...(known ? { identity: known } : {}), ...(typeof page === 'string' && page.length <= 2048 ? { page } : {}) });
        return;
      }
      // everything after hello comes from the origin that said it
      if (!type || event.origin !== hostOrigin) return;
      if (type === 'parley:open') setOpen(true);
      else if (type === 'parley:close') setOpen(false);
      else if (type === 'parley:logout') logoutListener();
      else if (type === 'parley:identify') {
        const identity = readIdentity((data as { identity?: unknown }).identity);
        if (identity) identifyListener(identity);
      }
    });
  }

  return {
    embedded,
    get open() {
      return open;
    },
    close() {
      post({ type: 'parley:close' });
      if (embedded) setOpen(false);
    },
    onToggle(listener) {
      toggleListeners.add(listener);
      return () => void toggleListeners.delete(listener);
    },
    hello(timeoutMs) {
      if (!embedded) return Promise.resolve(undefined);
      return Promise.race([greeted, new Promise<undefined>((resolve) => setTimeout(resolve, timeoutMs))]);
    },
    onIdentify(listener) {
      identifyListener = listener;
    },
    onLogout(listener) {
      logoutListener = listener;
    },
    postUnread: (count, mentions) => post({ type: 'parley:unread', count, mentions }),
    postMessage: (message) => post({ type: 'parley:message', message }),
    postSession: (signedIn) => post({ type: 'parley:session', signedIn }),
  };
}
