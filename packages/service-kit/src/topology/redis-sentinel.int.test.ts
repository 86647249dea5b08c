import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  requireTools,
  sleep,
  startRedisSentinelGroup,
  waitUntil,
  type RedisSentinelGroup,
} from '@docat/testing';
import { TopologyStack } from './topology-exercise.js';

const tools = requireTools('redis-server', 'redis-cli');

/**
 * Enqueues until Redis accepts the job. During a failover a write may fail (connection
 * reset, READONLY from the demoted master, NOREPLICAS while the new master has no
 * replica yet); the caller retries with the same job id, which is idempotent, exactly
 * as a service's enqueue is retried.
 */
async function enqueueUntilAccepted(
  stack: TopologyStack,
  n: number,
  attempts: { failed: number },
): Promise<string> {
  for (let i = 0; ; i++) {
    try {
      return await stack.enqueue(n);
    } catch (err) {
      attempts.failed++;
      if (i >= 200) throw err;
      await sleep(100);
    }
  }
}

describe(
  'cluster mode on Redis Sentinel (master, replica, three Sentinels)',
  { skip: tools.skip },
  () => {
    let group: RedisSentinelGroup;
    let stack: TopologyStack;

    before(async () => {
      const started = performance.now();
      group = await startRedisSentinelGroup();
      stack = new TopologyStack({
        kind: 'sentinel',
        sentinels: group.sentinels,
        masterName: group.masterName,
      });
      // Slow enough jobs (150 ms, two at a time) that the failover hits queued and running work.
      await stack.start({ lockMs: 2_000, concurrency: 2, jobMs: 150 });
      console.log(
        `master, replica and 3 sentinels up in ${Math.round(performance.now() - started)} ms`,
      );
    });

    after(async () => {
      await stack?.close();
      await group?.stop();
    });

    test('jobs enqueued before and during a failover all complete; RPC, cache, limits and event log work after it', async () => {
      await stack.rpcRoundTrip(1);
      const attempts = { failed: 0 };
      const before = [];
      for (let n = 0; n < 20; n++) before.push(await enqueueUntilAccepted(stack, n, attempts));

      // Keep enqueueing, one job every 50 ms, while the Sentinels move the master.
      let stopProducing = false;
      const during: string[] = [];
      const producer = (async () => {
        for (let n = 1_000; !stopProducing; n++) {
          during.push(await enqueueUntilAccepted(stack, n, attempts));
          await sleep(50);
        }
      })();
      await sleep(300);
      const pendingAtFailover = before.filter((id) => !stack.completed.has(id)).length;
      assert.ok(
        pendingAtFailover > 0,
        'the failover must start while jobs are still queued or running',
      );
      const started = performance.now();
      const { from, to } = await group.failover();
      const failoverMs = Math.round(performance.now() - started);
      await sleep(500);
      stopProducing = true;
      await producer;
      assert.notEqual(from, to);
      assert.equal(group.masterPort(), to);

      const all = [...before, ...during];
      assert.ok(
        during.length >= 10,
        `only ${during.length} jobs were enqueued during the failover`,
      );
      await waitUntil(
        () => all.every((id) => (stack.completed.get(id) ?? 0) >= 1),
        60_000,
        `all ${all.length} jobs to complete`,
      ).catch((err: Error) => {
        const missing = all.filter((id) => !stack.completed.has(id));
        throw new Error(
          `${err.message}; missing ${missing.length}: ${missing.slice(0, 10).join(', ')}`,
        );
      });
      const lost = all.filter((id) => !stack.completed.has(id));
      assert.deepEqual(lost, []);
      const repeated = all.filter((id) => (stack.completed.get(id) ?? 0) > 1).length;
      console.log(
        `failover ${from} -> ${to} in ${failoverMs} ms with ${pendingAtFailover} of ${before.length} earlier jobs not yet done; ` +
          `${before.length} jobs before and ${during.length} during it all completed (${repeated} ran twice: at-least-once), ` +
          `${attempts.failed} enqueue attempts refused during the switch and retried`,
      );

      for (let n = 10; n < 20; n++) await stack.rpcRoundTrip(n);
      await stack.eventDelivered(7);
      await stack.cacheWorks();
      await stack.rateLimiterWorks();
      await stack.requestLimiterWorks();
      await stack.eventLogWorks();
    });
  },
);
