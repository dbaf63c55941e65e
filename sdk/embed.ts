import type { MessageSummary } from '../widget/bridge';

/** The widget's tag options (`data-*` attributes, see the README's "Embed it"), for `embedWidget()`. */
export interface WidgetOptions {
  /** The Parley server, e.g. `https://chat.example.com`: `<server>/widget.js` is loaded. */
  server: string;
  site: string;
  room?: string;
  /** BCP 47 (`es`, `zh-CN`); default the browser's language. */
  locale?: string;
  title?: string;
  /** `#rgb` or `#rrggbb`. */
  accent?: string;
  position?: 'left' | 'right';
  zIndex?: number;
  /** Open the panel at once. */
  open?: boolean;
  sound?: boolean;
  /** `hidden`: no launcher; open it with `open()`. */
  launcher?: 'visible' | 'hidden';
  /** A signed identity token from your server: the site's own user is signed in (`Parley('identify')`). */
  userToken?: string;
}

/** What the widget tells the page: the panel opened or closed, a new message, the unread and mention counts. */
export interface WidgetEvents {
  ready: () => void;
  open: () => void;
  close: () => void;
  message: (message: MessageSummary) => void;
  unread: (count: number) => void;
  mention: (count: number) => void;
}

/** The widget on the page, as `embedWidget()` mounted it. */
export interface EmbeddedWidget {
  open(): void;
  close(): void;
  /** Signs the site's own user in with a signed identity token (or switches to another). */
  identify(userToken: string): void;
  logout(): void;
  on<K extends keyof WidgetEvents>(event: K, listener: WidgetEvents[K]): () => void;
  /** Takes the widget off the page (launcher, panel, iframe and its connection) and the loader's script with it. */
  remove(): void;
}

type Command = ((command: string, ...args: unknown[]) => void) & { q?: unknown[][] };

const dataOf = (options: WidgetOptions): Record<string, string> => {
  const { server: _server, ...rest } = options;
  return Object.fromEntries(Object.entries(rest).flatMap(([key, value]) => (value === undefined ? [] : [[key, String(value)]])));
};

/**
 * Mounts the embeddable widget from a page's script (a single-page app, a framework component), as its one-line tag
 * would: the loader's script with the options as `data-*` attributes. Calls made before the loader runs wait for it.
 * One widget per page: call `remove()` before embedding another.
 *
 * @example
 * const widget = embedWidget({ server: 'https://chat.example.com', site: 'acme' });
 * widget.on('unread', (count) => console.log(count));
 * widget.remove();
 */
export function embedWidget(options: WidgetOptions): EmbeddedWidget {
  const page = window as unknown as { Parley?: Command };
  // the stub the one-line tag's snippet installs: calls queue in `.q` until the loader runs them
  if (!page.Parley) {
    const q: unknown[][] = [];
    page.Parley = Object.assign((...args: unknown[]) => void q.push(args), { q }) as Command;
  }
  const call = (command: string, ...args: unknown[]) => page.Parley?.(command, ...args);
  const script = document.createElement('script');
  script.src = `${options.server.replace(/\/+$/, '')}/widget.js`;
  script.async = true;
  Object.assign(script.dataset, dataOf(options));
  document.body.append(script);
  let removed = false;
  return {
    open: () => call('open'),
    close: () => call('close'),
    identify: (userToken) => call('identify', { token: userToken }),
    logout: () => call('logout'),
    on(event, listener) {
      call('on', event, listener);
      return () => call('off', event, listener);
    },
    remove() {
      if (removed) return;
      removed = true;
      call('shutdown');
      script.remove();
    },
  };
}
