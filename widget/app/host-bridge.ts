import { type AppMessage, type Identity, readIdentity, readMessageType } from '../bridge';

/** The app's side of the postMessage bridge with the loader on the host page. */
export interface HostBridge {
  /** True inside an iframe: there is a panel for the host page to close. */
  readonly embedded: boolean;
  /** Asks the loader to close the panel; does nothing until the host said hello. */
  close(): void;
  /** Called each time the loader opens the panel. */
  onOpen(listener: () => void): () => void;
  /** The loader's hello: the identity to sign in with, if any; undefined when no loader answers in time. */
  hello(timeoutMs: number): Promise<{ identity?: Identity } | undefined>;
  /** Called when the host page identifies its user after the app started. */
  onIdentify(listener: (identity: Identity) => void): void;
}

export function connectHostBridge(): HostBridge {
  const parent = window.parent;
  const embedded = parent !== window;
  // learned from the loader's hello: replies go to that exact origin, never '*'
  let hostOrigin: string | undefined;
  const openListeners = new Set<() => void>();
  let identifyListener: (identity: Identity) => void = () => undefined;
  let greet: (hello: { identity?: Identity }) => void = () => undefined;
  const greeted = new Promise<{ identity?: Identity }>((resolve) => (greet = resolve));

  if (embedded) {
    parent.postMessage({ type: 'parley:ready' } satisfies AppMessage, '*');
    window.addEventListener('message', (event) => {
      if (event.source !== parent) return;
      const type = readMessageType(event.data, ['parley:hello', 'parley:open', 'parley:identify']);
      if (type === 'parley:hello' && event.origin !== 'null' && !hostOrigin) {
        hostOrigin = event.origin;
        const identity = readIdentity((event.data as { identity?: unknown }).identity);
        greet(identity ? { identity } : {});
      }
      else if (type === 'parley:open' && event.origin === hostOrigin) for (const listener of openListeners) listener();
      else if (type === 'parley:identify' && event.origin === hostOrigin) {
        const identity = readIdentity((event.data as { identity?: unknown }).identity);
        if (identity) identifyListener(identity);
      }
    });
  }

  return {
    embedded,
    close() {
      if (hostOrigin) parent.postMessage({ type: 'parley:close' } satisfies AppMessage, hostOrigin);
    },
    hello(timeoutMs) {
      if (!embedded) return Promise.resolve(undefined);
      return Promise.race([greeted, new Promise<undefined>((resolve) => setTimeout(resolve, timeoutMs))]);
    },
    onIdentify(listener) {
      identifyListener = listener;
    },
    onOpen(listener) {
      openListeners.add(listener);
      return () => void openListeners.delete(listener);
    },
  };
}
