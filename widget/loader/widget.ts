import { type HostMessage, type Identity, readMessageType } from '../bridge';
import type { EmbedOptions } from './embed-options';
import { launcherCss } from './styles';

const SVG_NS = 'http://www.w3.org/2000/svg';
const READY_GRACE_MS = 1_000;
const CHAT_ICON = 'M7.9 20A9 9 0 1 0 4 16.1L2 22Z';
const CLOSE_ICON = 'M18 6 6 18M6 6l12 12';

export interface MountedWidget {
  /** Signs the site's own user in: now if the app runs, else when it starts. */
  identify(identity: Identity): void;
}

/** Draws the launcher in a shadow root and owns the chat iframe, created on first open. */
export function mountWidget({ site, origin, identity: initialIdentity }: EmbedOptions): MountedWidget {
  let identity = initialIdentity;
  const host = document.createElement('div');
  host.id = 'parley-widget';
  const shadow = host.attachShadow({ mode: 'open' });
  adoptStyles(shadow, launcherCss);

  const launcher = document.createElement('button');
  launcher.type = 'button';
  launcher.className = 'launcher';
  launcher.append(icon('icon-open', CHAT_ICON), icon('icon-close', CLOSE_ICON));
  shadow.append(launcher);

  const notice = document.createElement('p');
  notice.className = 'notice';
  notice.setAttribute('role', 'status');
  notice.hidden = true;
  shadow.append(notice);

  let frame: HTMLIFrameElement | undefined;
  let frameReady = false;
  // the app said ready: the browser let it load here (site known, this origin allowed)
  let appReady = false;
  // the browser refused the app here; a reload asks again
  let blocked = false;
  let open = false;

  // exact targetOrigin: only the backend may read what we send
  const post = (message: HostMessage) => {
    if (frameReady) frame?.contentWindow?.postMessage(message, origin);
  };

  const createFrame = (): HTMLIFrameElement => {
    const created = document.createElement('iframe');
    created.id = 'parley-panel';
    created.className = 'panel';
    created.title = 'Parley chat';
    created.src = `${origin}/widget/app?site=${encodeURIComponent(site)}`;
    created.addEventListener('load', () => {
      frameReady = true;
      // sent after load so the app learns our origin from event.origin
      post({ type: 'parley:hello', settings: {}, ...(identity ? { identity } : {}) });
      if (open) post({ type: 'parley:open' });
      // the app posts ready as it starts, before its load event; still silent a moment later: the browser blocked it
      setTimeout(() => {
        if (appReady) return;
        blocked = true;
        created.remove();
        frame = undefined;
        notice.textContent = 'Chat is not available on this site.';
        notice.hidden = !open;
        console.warn(`[parley] the chat did not load: check that site "${site}" exists and allows ${location.origin}`);
      }, READY_GRACE_MS);
    });
    shadow.append(created);
    launcher.setAttribute('aria-controls', created.id);
    return created;
  };

  const setOpen = (next: boolean) => {
    const hadFocusInside = frame !== undefined && shadow.activeElement === frame;
    open = next;
    launcher.setAttribute('aria-expanded', String(next));
    launcher.setAttribute('aria-label', next ? 'Close chat' : 'Open chat');
    notice.hidden = !next || !blocked;
    if (next && !frame && !blocked) frame = createFrame();
    if (!frame) return;
    frame.hidden = !next || !appReady;
    if (next) {
      frame.focus();
      post({ type: 'parley:open' });
    } else if (hadFocusInside) {
      // hiding the frame would drop focus on <body>
      launcher.focus();
    }
  };

  launcher.addEventListener('click', () => setOpen(!open));
  shadow.addEventListener('keydown', (event) => {
    if ((event as KeyboardEvent).key === 'Escape' && open) setOpen(false);
  });
  window.addEventListener('message', (event) => {
    if (!frame || event.origin !== origin || event.source !== frame.contentWindow) return;
    const type = readMessageType(event.data, ['parley:ready', 'parley:close']);
    if (type === 'parley:ready') {
      appReady = true;
      frame.hidden = !open;
    } else if (type === 'parley:close') setOpen(false);
  });

  setOpen(false);
  document.body.append(host);

  return {
    identify(next) {
      identity = next;
      // before hello the identity travels with it; after, on its own
      if (frameReady && appReady) post({ type: 'parley:identify', identity: next });
    },
  };
}

function adoptStyles(root: ShadowRoot, css: string): void {
  if ('replaceSync' in CSSStyleSheet.prototype) {
    // a constructed sheet is not an inline style: a strict host CSP allows it
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  } else {
    // browsers before constructable stylesheets (Safari < 16.4)
    const style = document.createElement('style');
    style.textContent = css;
    root.append(style);
  }
}

function icon(className: string, d: string): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('class', className);
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(SVG_NS, 'path');
  path.setAttribute('d', d);
  svg.append(path);
  return svg;
}
