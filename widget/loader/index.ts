// The script-tag entry: plain DOM only, so the host page pays a few KB until the chat is opened.
import { type ParleySettings, readEmbedOptions } from './embed-options';
import { mountWidget, type ParleyCommand } from './widget';

declare global {
  interface Window {
    /** Set while a widget is mounted: a second tag (pasted twice, re-inserted by a single-page app) does nothing. */
    __parleyLoaded?: boolean;
    /**
     * `window.Parley(command, …)`: `open`, `close`, `toggle`, `identify`, `logout`, `on`, `off`, `shutdown`.
     * Until the loader runs, a stub that queues calls in `.q`.
     *
     * @example
     * window.Parley = window.Parley || function () { (window.Parley.q = window.Parley.q || []).push(arguments); };
     * Parley('on', 'unread', (count) => console.log(count));
     */
    Parley?: ParleyCommand & { q?: ArrayLike<unknown>[] };
    /** Options set before the tag; the tag's data-* attributes win. */
    ParleySettings?: ParleySettings;
  }
}

/** Calls wait in `.q` for the next loader, as with the stub a site pastes. */
const installStub = () => {
  const q: unknown[][] = [];
  window.Parley = Object.assign((...args: unknown[]) => void q.push(args), { q });
};

// read now: document.currentScript is only set during this first run
const options = readEmbedOptions();

if (options && !window.__parleyLoaded) {
  window.__parleyLoaded = true;
  const start = () => {
    // after shutdown a new tag mounts a fresh widget; calls made until then wait for it
    const run = mountWidget(options, () => {
      delete window.__parleyLoaded;
      installStub();
    });
    // calls made before the script loaded, through the stub, run now and in order
    const queued = window.Parley?.q ?? [];
    window.Parley = run;
    for (const call of Array.from(queued)) run(...(Array.from(call) as [string, ...unknown[]]));
    if (options.open) run('open');
  };
  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start, { once: true });
}
