import type { QueueName } from '@docat/contracts';
import { queueDepth, queueOldestWaitingAge, queueWorkersAlive } from '@docat/observability';
import type { QueuePort } from '../ports.js';

/**
 * Refreshes the queue gauges at scrape time for the queues this process works. Several
 * replicas report the same queue, so dashboards and the autoscaler take the max.
 */
export async function collectQueueMetrics(
  queue: QueuePort,
  queues: Iterable<QueueName>,
): Promise<void> {
  await Promise.all(
    [...queues].map(async (name) => {
      const [depth, alive] = await Promise.all([queue.depth(name), queue.workersAlive(name)]);
      queueDepth.set({ queue: name }, depth.waiting + depth.active);
      queueOldestWaitingAge.set({ queue: name }, (depth.oldestWaitingAgeMs ?? 0) / 1000);
      queueWorkersAlive.set({ queue: name }, alive);
    }),
  );
}
