// `npm start`: the backend, its embedded database when MONGODB_URI is unset, the example host page and the custom UI.
// `npm start -- --workers N`: the backend as N processes behind the cluster module, sharing Redis (server/cluster.ts).
import { performance } from 'node:perf_hooks';
import { serveCustomUi } from '../examples/custom-ui/serve';
import { serveHostPage } from '../examples/host-page/serve';
import { runUntilSignalled, startFromCommandLine, workersOption } from '../server/main';

void runUntilSignalled(async (config, log) => {
  const parley = await startFromCommandLine(config, log, process.argv.slice(2));
  const workers = workersOption(process.argv.slice(2));
  // 127.0.0.1 and localhost are different sites to a browser: the page embeds the widget as a real third-party site would
  const page = await serveHostPage({ port: config.examplePort, host: '127.0.0.1', backendUrl: parley.url });
  // a page of its own built on the SDK, on the next port
  const customUi = await serveCustomUi({ port: config.examplePort + 1, host: '127.0.0.1', backendUrl: parley.url });
  // the demo site must allow the pages that use it
  await parley.repositories.sites.updateOrigins('demo', { add: [new URL(page.url).origin, new URL(customUi.url).origin] });
  // performance.now() counts from process start, so this includes loading the code
  const seconds = (performance.now() / 1000).toFixed(1);
  process.stdout.write(
    `\n  Parley is running (ready in ${seconds} s).\n\n` +
      `  Example host page:  ${page.url}\n` +
      `  Custom UI (SDK):    ${customUi.url}\n` +
      `  Backend:            ${parley.url}${workers > 1 ? ` (${workers} workers)` : ''}\n\n` +
      `  Press Ctrl-C to stop.\n\n`,
  );
  return {
    close: async () => {
      await customUi.close();
      await page.close();
      await parley.close();
    },
  };
});
