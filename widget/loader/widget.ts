import { type HostMessage, type MessageSummary, readIdentity, readMessageSummary, readMessageType } from '../bridge';
import type { EmbedOptions } from './embed-options';
import { signedInFlag } from './signed-in';
import { loaderStrings } from './strings';
import { launcherCss } from './styles';

const SVG_NS = 'http://www.w3.org/2000/svg';
const CHAT_ICON = 'M7.9 20A9 9 0 1 0 4 16.1L2 22Z';
const CLOSE_ICON = 'M18 6 6 18M6 6l12 12';
const READY_GRACE_MS = 1_000;
// a page that never goes idle loads the app anyway
const IDLE_TIMEOUT_MS = 4_000;

export const widgetEvents = ['ready', 'open', 'close', 'message', 'unread', 'mention'] as const;
export type WidgetEvent = (typeof widgetEvents)[number];
/** `message` listeners get a MessageSummary, `unread` and `mention` listeners the count, the others nothing. */
export type WidgetListener = (payload?: MessageSummary | number) => void;

/**
 * `window.Parley(command, …)` once the loader runs: `open`, `close`, `toggle`, `identify`, `logout`, `on`, `off`,
 * `shutdown`. Never throws: a bad call is a console warning.
 */
export type ParleyCommand = (command: string, ...args: unknown[]) => void;

/**
 * Draws the launcher in a shadow root and owns the chat iframe, created on first open or when the page is idle.
 * Returns the command function; `unmounted` runs after `shutdown` removed every trace.
 */
export function mountWidget(options: EmbedOptions, unmounted: () => void): ParleyCommand {
  const { site, origin, settings } = options;
  const [lang, [openLabel, closeLabel, unreadLabel, mentionLabel]] = loaderStrings(settings.locale ?? navigator.language);
  const signedIn = signedInFlag(site);
  // the open panel fills a small screen, and the page behind it must not scroll
  const mobile = matchMedia('(max-width:480px)');
  let identity = options.identity;

  const host = element('div', '');
  host.id = 'parley-widget';
  host.lang = lang;
  const shadow = host.attachShadow({ mode: 'open' });
  adoptStyles(shadow, launcherCss);
  // CSSOM, not a style attribute: a strict host CSP allows it
  const setVar = (name: string, value: string | undefined) => value && host.style.setProperty(`--parley-${name}`, value);
  setVar('accent', settings.accent);
  setVar('z', options.zIndex?.toString());
  if (options.position === 'left') {
    setVar('left', '16px');
    setVar('right', 'auto');
  }
  if (options.launcherHidden) setVar('bottom', '16px');

  const launcher = element('button', 'launcher');
  launcher.hidden = options.launcherHidden;
  const badge = element('span', 'badge');
  badge.hidden = true;
  launcher.append(icon('open', CHAT_ICON), icon('close', CLOSE_ICON), badge);
  const notice = element('p', 'notice');
  notice.role = 'status';
  notice.textContent = 'Chat is not available on this site.';
  shadow.append(launcher, notice);

  let frame: HTMLIFrameElement | undefined;
  let frameLoaded = false;
  // the app said ready: the browser let it load here (site known, this origin allowed)
  let appReady = false;
  // the browser refused the app here; a reload asks again
  let blocked = false;
  let open = false;
  let unread = 0;
  let mentions = 0;
  let logoutAfterHello = false;
  // what had focus when the panel opened: focus goes back to it (a site's own button) when the launcher is hidden,
  // and nothing (data-open, a timer) means the panel takes no focus either
  let opener: Element | null = null;
  // the body's own inline overflow-x and overflow-y while a full-screen panel locks it; undefined when not locked
  let bodyOverflow: [string, string] | undefined;
  // the "(3) " this widget put in front of the page title
  let titlePrefix = '';
  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  let listeners: [WidgetEvent, WidgetListener][] = [];

  const call = (listener: WidgetListener, payload?: MessageSummary | number) => {
    // a broken listener must not stop the widget, the other listeners or the queued calls
    try {
      listener(payload);
    } catch (error) {
      console.error(error);
    }
  };
  const emit = (event: WidgetEvent, payload?: MessageSummary | number) => {
    for (const [name, listener] of listeners) if (name === event) call(listener, payload);
  };

  // exact targetOrigin: only the backend may read what we send
  const post = (message: HostMessage) => frameLoaded && frame?.contentWindow?.postMessage(message, origin);

  const render = () => {
    const shown = open && appReady;
    launcher.ariaExpanded = String(open);
    launcher.ariaLabel = open ? closeLabel : openLabel + counted(unreadLabel, unread) + counted(mentionLabel, mentions);
    // on a small screen the panel covers the launcher; the app's own minimise closes it
    launcher.classList.toggle('covered', shown);
    notice.hidden = !open || !blocked;
    if (frame) frame.hidden = !shown;
    lockBody(shown && mobile.matches);
  };

  // ", 3 unread": the label's words for a count, none for 0
  const counted = (label: string, count: number) => (count ? label.replace('#', `${count}`) : '');

  const lockBody = (lock: boolean) => {
    const { style } = document.body;
    if (lock && !bodyOverflow) {
      bodyOverflow = [style.overflowX, style.overflowY];
      style.overflow = 'hidden';
    } else if (!lock && bodyOverflow) {
      // exactly what the page had, its own inline values or none
      [style.overflowX, style.overflowY] = bodyOverflow;
      bodyOverflow = undefined;
    }
  };

  // the badge counts unread messages, or with an @ and another colour the unread ones that mention the user
  const setUnread = (count: number, mentioned = 0) => {
    if (count === unread && mentioned === mentions) return;
    const shown = mentioned || count;
    badge.textContent = (mentioned ? '@' : '') + (shown > 9 ? '9+' : shown);
    badge.classList.toggle('at', !!mentioned);
    badge.hidden = !count;
    if (mentioned !== mentions) emit('mention', (mentions = mentioned));
    if (count === unread) return render();
    unread = count;
    // the page may have changed its title meanwhile: only our own prefix is replaced
    const title = document.title;
    const base = titlePrefix && title.startsWith(titlePrefix) ? title.slice(titlePrefix.length) : title;
    titlePrefix = count ? `(${count}) ` : '';
    document.title = titlePrefix + base;
    render();
    emit('unread', count);
  };

  const load = () => {
    if (frame || blocked) return;
    const created = (frame = element('iframe', 'panel'));
    created.id = 'parley-panel';
    created.title = 'Parley chat';
    // hidden until the app says ready, and while the panel is closed
    created.hidden = true;
    created.src = `${origin}/widget/app?site=${encodeURIComponent(site)}`;
    created.addEventListener('load', () => {
      frameLoaded = true;
      // sent after load so the app learns our origin from event.origin; the identity never travels in a URL
      post({ type: 'parley:hello', settings, identity, page: location.href });
      if (logoutAfterHello) post({ type: 'parley:logout' });
      if (open) post({ type: 'parley:open' });
      // the app posts ready as it starts, before its load event; still silent a moment later: the browser blocked it
      graceTimer = setTimeout(() => {
        if (appReady) return;
        blocked = true;
        created.remove();
        frame = undefined;
        launcher.removeAttribute('aria-controls');
        // nothing to preload next time either
        signedIn(false);
        render();
        console.warn(`[parley] chat refused: is site "${site}" allowing ${location.origin}?`);
      }, READY_GRACE_MS);
    });
    shadow.append(created);
    launcher.setAttribute('aria-controls', created.id);
  };

  const focusPanel = () => open && appReady && opener !== document.body && frame?.focus();

  const setOpen = (next: boolean, returnFocus?: boolean) => {
    if (next === open) return;
    // focus inside the iframe shows as the iframe being the shadow root's active element
    const focusInside = frame && shadow.activeElement === frame;
    open = next;
    if (open) {
      opener = document.activeElement;
      load();
    }
    render();
    post({ type: open ? 'parley:open' : 'parley:close' });
    if (open) focusPanel();
    // hiding the frame would drop focus on <body>
    else if (returnFocus || focusInside) {
      if (!launcher.hidden) launcher.focus();
      else if (opener instanceof HTMLElement) opener.focus();
    }
    emit(open ? 'open' : 'close');
  };

  const onMessage = (event: MessageEvent) => {
    if (!frame || event.origin !== origin || event.source !== frame.contentWindow) return;
    const type = readMessageType(event.data, ['parley:ready', 'parley:close', 'parley:unread', 'parley:message', 'parley:session']);
    // an object: readMessageType found its type
    const data = event.data as Record<string, unknown>;
    const { count, mentions: mentioned, signedIn: isSignedIn } = data;
    if (type === 'parley:ready' && !appReady) {
      appReady = true;
      render();
      focusPanel();
      emit('ready');
    } else if (type === 'parley:close') setOpen(false, true);
    else if (type === 'parley:unread' && typeof count === 'number' && count >= 0) setUnread(count | 0, typeof mentioned === 'number' && mentioned > 0 ? mentioned | 0 : 0);
    else if (type === 'parley:session' && typeof isSignedIn === 'boolean') signedIn(isSignedIn);
    else if (type === 'parley:message') {
      const message = readMessageSummary(data.message);
      if (message) emit('message', message);
    }
  };

  const onKeydown = (event: KeyboardEvent) => {
    // a page's own dialog that handled Esc keeps it
    if (event.key === 'Escape' && !event.defaultPrevented) setOpen(false, true);
  };

  launcher.addEventListener('click', () => setOpen(!open));
  window.addEventListener('message', onMessage);
  document.addEventListener('keydown', onKeydown);
  mobile.addEventListener('change', render);
  render();
  document.body.append(host);

  // someone was signed in here before: load the app when the page is idle, so unread messages show on the launcher
  // (Safari has no requestIdleCallback: a second's wait instead)
  const idle = signedIn() ? (window.requestIdleCallback?.(load, { timeout: IDLE_TIMEOUT_MS }) ?? window.setTimeout(load, 1_000)) : 0;

  const shutdown = () => {
    (window.cancelIdleCallback ?? clearTimeout)(idle);
    clearTimeout(graceTimer);
    window.removeEventListener('message', onMessage);
    document.removeEventListener('keydown', onKeydown);
    mobile.removeEventListener('change', render);
    listeners = [];
    open = false;
    // restores the page title, and (closed now) the body's overflow
    setUnread(0);
    lockBody(false);
    signedIn(false);
    // the iframe goes with it, and the app's socket with its document
    host.remove();
    unmounted();
  };

  let mounted = true;
  return (command, first, second) => {
    // a reference kept from before shutdown does nothing
    if (!mounted) return;
    // `{ token }`, or the legacy `{ userId, name, hash }`: `name` like the tag's data-user-name, `displayName` on the bridge
    const next = command === 'identify' && readIdentity({ ...(first as object), displayName: (first as { name?: unknown } | undefined)?.name });
    const event = widgetEvents.find((known) => known === first);
    if (command === 'open' || command === 'close' || command === 'toggle') setOpen(command === 'toggle' ? !open : command === 'open');
    else if (next) {
      identity = next;
      // before hello the identity travels with it; after, on its own
      post({ type: 'parley:identify', identity: next });
    } else if (command === 'logout') {
      identity = undefined;
      signedIn(false);
      // an iframe still loading gets it right after its hello
      logoutAfterHello = !!frame && !frameLoaded;
      post({ type: 'parley:logout' });
    } else if (command === 'on' && event && typeof second === 'function') {
      listeners.push([event, second as WidgetListener]);
      if (event === 'ready' && appReady) call(second as WidgetListener);
    } else if (command === 'off' && event) listeners = listeners.filter(([known, listener]) => known !== event || listener !== second);
    else if (command === 'shutdown') {
      mounted = false;
      shutdown();
    } else console.warn(`[parley] bad command: ${String(command)}`);
  };
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className: string): HTMLElementTagNameMap[K] {
  const created = document.createElement(tag);
  created.className = className;
  return created;
}

// a constructed sheet is not an inline style: a strict host CSP allows it (every browser since Safari 16.4, 2023)
function adoptStyles(root: ShadowRoot, css: string): void {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  root.adoptedStyleSheets = [sheet];
}

function icon(className: string, d: string): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, 'svg');
  const path = document.createElementNS(SVG_NS, 'path');
  svg.setAttribute('class', className);
  svg.setAttribute('viewBox', '0 0 24 24');
  path.setAttribute('d', d);
  svg.append(path);
  return svg;
}
