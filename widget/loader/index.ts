// The script-tag entry: plain DOM only, so the host page pays a few KB until the chat is opened.
import { readEmbedOptions } from './embed-options';
import { mountWidget } from './widget';

declare global {
  interface Window {
    __parleyLoaded?: boolean;
  }
}

// read now: document.currentScript is only set during this first run
const options = readEmbedOptions();

// a tag pasted twice must still give one widget
if (options && !window.__parleyLoaded) {
  window.__parleyLoaded = true;
  if (document.body) mountWidget(options);
  else document.addEventListener('DOMContentLoaded', () => mountWidget(options), { once: true });
}
