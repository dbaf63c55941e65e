// The widget app's entry: runs in the iframe on the backend's origin, so the token never meets the host page.
import { render } from 'preact';
import { createChatClient } from '../../sdk';
import { App } from './app';
import { focusFirstField } from './focus';
import { connectHostBridge } from './host-bridge';
import { createChatStore } from './store';

const ROOM_ID = 'general';
const HELLO_TIMEOUT_MS = 2_000;

const root = document.getElementById('app');
const site = new URLSearchParams(location.search).get('site')?.trim();

if (root && site) {
  const chat = createChatClient({ baseUrl: location.origin, site, session: 'cookie' });
  const store = createChatStore(chat, ROOM_ID);
  const bridge = connectHostBridge();
  // subscribed before the first render: component effects run after paint, later than the loader's first "open"
  bridge.onOpen(focusFirstField);
  render(<App store={store} bridge={bridge} />, root);
  // the loader's hello says whether the site signs its own user in; wait for it briefly before restoring
  bridge.onIdentify((identity) => void store.identify(identity));
  void bridge.hello(HELLO_TIMEOUT_MS).then((hello) => (hello?.identity ? store.identify(hello.identity) : store.start()));
} else if (root) {
  root.textContent = 'This chat is not set up: its address names no site.';
}
