// The script-tag entry: plain DOM only, so the host page pays a few KB until the chat is opened.
import { readEmbedOptions } from './embed-options';
import { readIdentity } from '../bridge';
import { mountWidget } from './widget';

type Command = (command: string, ...args: unknown[]) => void;

declare global {
  interface Window {
    __parleyLoaded?: boolean;
    /** `window.Parley(command, …)`; before the loader runs, a stub that queues calls in `.q`. */
    Parley?: Command & { q?: ArrayLike<unknown>[] };
  }
}

// read now: document.currentScript is only set during this first run
const options = readEmbedOptions();

// a tag pasted twice must still give one widget
if (options && !window.__parleyLoaded) {
  window.__parleyLoaded = true;
  const start = () => {
    const widget = mountWidget(options);
    const run: Command = (command, ...args) => {
      const identity = command === 'identify' ? readIdentity(toIdentityInput(args[0])) : undefined;
      if (identity) widget.identify(identity);
      else console.warn(`[parley] unknown command or bad arguments: ${String(command)}`);
    };
    // calls made before the script loaded, through the stub, run now and in order
    const queued = window.Parley?.q ?? [];
    window.Parley = run;
    for (const call of Array.from(queued)) run(...(Array.from(call) as [string, ...unknown[]]));
  };
  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start, { once: true });
}

/** The public API says `name`, like the tag's data-user-name; the bridge says `displayName`. */
function toIdentityInput(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const { userId, name, hash } = value as Record<string, unknown>;
  return { userId, displayName: name, hash };
}
