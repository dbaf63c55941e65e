// Scenario 6: scenario 1 with the clients split evenly over two Parley nodes sharing one Redis and one database.
import type { BenchContext } from '../context';
import { describeClients } from '../load';
import { seedUsers } from '../seed';
import { type BenchServer, openScenarioDatabase, startParleyNode, startRedisServer } from '../servers';
import { ratio } from '../stats';
import { type FanOutRun, fanOutOn } from './fan-out';

export interface TwoNodesResult {
  twoNodes: FanOutRun;
  /** Two nodes ÷ one node (scenario 1's Parley run); null when scenario 1 did not run. */
  ratioToOneNode: { deliveriesPerSecond: number | null; p99: number | null; lightP99: number | null };
}

export async function runTwoNodes(context: BenchContext, oneNode: FanOutRun | undefined): Promise<TwoNodesResult> {
  const load = context.parameters.twoNodes;
  context.log(`two nodes + Redis: ${load.clients} clients of ${load.users} users split over two Parley nodes`);
  const redis = await startRedisServer(context);
  try {
    const database = await openScenarioDatabase(context, 'two-nodes');
    try {
      // one after the other: two nodes starting together on an empty database race to create the demo site, and
      // the loser exits with a duplicate-key error (the upsert in SitesRepository.create is not retried)
      const nodes: BenchServer[] = [];
      try {
        for (const label of ['two nodes, node 1', 'two nodes, node 2']) nodes.push(await startParleyNode(context, { label, dbName: database.name, redisUrl: redis.url }));
        const users = await seedUsers(database.db, load.users);
        const twoNodes = await fanOutOn(context, nodes, describeClients(context, nodes, load.clients, { users }), users.length, load);
        return {
          twoNodes,
          ratioToOneNode: {
            deliveriesPerSecond: ratio(twoNodes.run.deliveries.perSecond, oneNode?.run.deliveries.perSecond),
            p99: ratio(twoNodes.run.latency.p99Ms, oneNode?.run.latency.p99Ms),
            lightP99: ratio(twoNodes.light.latency.p99Ms, oneNode?.light.latency.p99Ms),
          },
        };
      } finally {
        await Promise.all(nodes.map((node) => node.stop()));
      }
    } finally {
      await database.close();
    }
  } finally {
    await redis.stop();
  }
}
