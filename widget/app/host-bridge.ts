import { type AppMessage, readMessageType } from '../bridge';

/** The app's side of the postMessage bridge with the loader on the host page. */
export interface HostBridge {
  /** True inside an iframe: there is a panel for the host page to close. */
  readonly embedded: boolean;
  /** Asks the loader to close the panel; does nothing until the host said hello. */
  close(): void;
  /** Called each time the loader opens the panel. */
  onOpen(listener: () => void): () => void;
}

export function connectHostBridge(): HostBridge {
  const parent = window.parent;
  const embedded = parent !== window;
  // learned from the loader's hello: replies go to that exact origin, never '*'
  let hostOrigin: string | undefined;
  const openListeners = new Set<() => void>();

  if (embedded) {
    parent.postMessage({ type: 'parley:ready' } satisfies AppMessage, '*');
    window.addEventListener('message', (event) => {
      if (event.source !== parent) return;
      const type = readMessageType(event.data, ['parley:hello', 'parley:open']);
      if (type === 'parley:hello' && event.origin !== 'null') hostOrigin = event.origin;
      else if (type === 'parley:open' && event.origin === hostOrigin) for (const listener of openListeners) listener();
    });
  }

  return {
    embedded,
    close() {
      if (hostOrigin) parent.postMessage({ type: 'parley:close' } satisfies AppMessage, hostOrigin);
    },
    onOpen(listener) {
      openListeners.add(listener);
      return () => void openListeners.delete(listener);
    },
  };
}
