// One worker of `--workers N` (server/cluster.ts): Parley without a listening socket; the primary hands it connections.
import { setupWorker } from '@socket.io/sticky';
import type { WorkerMessage } from './cluster';
import { runUntilSignalled } from './main';
import { startParley } from './start-up';

void runUntilSignalled(async (config, log) => {
  const parley = await startParley(config, log.child({ worker: process.pid }), { listen: false });
  setupWorker(parley.hub.io);
  process.send?.({ type: 'parley:ready' } satisfies WorkerMessage);
  return parley;
});
