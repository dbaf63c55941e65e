// The widget app's entry: runs in the iframe on the backend's origin, so the token never meets the host page.
import { render } from 'preact';
import { createCoreClient } from '../../sdk';
import { App } from './app';
import { focusFirstField } from './focus';
import { connectHostBridge } from './host-bridge';
import { chooseLocale, locale, t } from './i18n';
import { createChatStore } from './store';
import { reportToHost } from './report-to-host';

const DEFAULT_ROOM = 'general';
const HELLO_TIMEOUT_MS = 2_000;

const root = document.getElementById('app');
const site = new URLSearchParams(location.search).get('site')?.trim();

if (root && site) {
  const bridge = connectHostBridge();
  // subscribed before the first render: component effects run after paint, later than the loader's first "open"
  bridge.onToggle((open) => open && focusFirstField());
  // the loader's hello carries the host's settings and, when the site signs its own user in, the identity
  const started = bridge.hello(HELLO_TIMEOUT_MS).then(async (hello) => {
    const settings = hello?.settings ?? {};
    // the catalog before the first render: a Spanish reader sees no English while the chunk loads, only the empty
    // panel; and the host's accent, made readable by a chunk of its own (fetched beside the catalog, and only when
    // the host sets one; should it fail to load, the default accent stays)
    const { accent } = settings;
    await Promise.all([
      chooseLocale([settings.locale, ...navigator.languages, navigator.language]),
      accent && import('./theme').then(({ applyAccent }) => applyAccent(accent), () => {}),
    ]);
    const chat = createCoreClient({ baseUrl: location.origin, site, session: 'cookie', page: hello?.page, locale });
    const store = createChatStore(chat, settings.room ?? DEFAULT_ROOM);
    reportToHost(bridge, store, { sound: settings.sound === true });
    render(<App store={store} bridge={bridge} title={settings.title} />, root);
    void (hello?.identity ? store.identify(hello.identity) : store.start());
    return store;
  });
  // the loader may log out (or the host identify) right after hello, while a catalog still loads: kept, in order
  bridge.onIdentify((identity) => void started.then((store) => store.identify(identity)));
  bridge.onLogout(() => void started.then((store) => store.logout()));
} else if (root) {
  void chooseLocale([...navigator.languages, navigator.language]).then(() => {
    root.textContent = t.notSetUp;
  });
}
