import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MessageHandler } from '@nestjs/microservices';
import { loadConfig } from '@docat/config';
import { makeEnvelope, QUEUES } from '@docat/contracts';
import { FsStorage } from '@docat/storage';
import {
  requireTools,
  startRedisCluster,
  waitUntil,
  redisCli,
  type RedisClusterInstance,
} from '@docat/testing';
import { createClusterRuntime } from '../cluster-runtime.js';
import { TopologyStack } from './topology-exercise.js';

const tools = requireTools('redis-server', 'redis-cli');

describe('cluster mode on a three-node Redis Cluster', { skip: tools.skip }, () => {
  let cluster: RedisClusterInstance;
  let stack: TopologyStack;

  before(async () => {
    const started = performance.now();
    cluster = await startRedisCluster();
    stack = new TopologyStack({ kind: 'cluster', nodes: cluster.nodes });
    await stack.start();
    console.log(
      `three-node cluster up and stack started in ${Math.round(performance.now() - started)} ms`,
    );
  });

  after(async () => {
    await stack?.close();
    await cluster?.stop();
  });

  test('RPC round trips and work events over the Redis Streams transport', async () => {
    for (let n = 0; n < 20; n++) await stack.rpcRoundTrip(n);
    await Promise.all(Array.from({ length: 50 }, (_, n) => stack.rpcRoundTrip(100 + n)));
    for (let n = 0; n < 5; n++) await stack.eventDelivered(n);
  });

  test('BullMQ jobs are enqueued and processed once each', async () => {
    const ids = await Promise.all(Array.from({ length: 30 }, (_, n) => stack.enqueue(n)));
    // Enqueueing an id again is a no-op, on a cluster as on one Redis.
    await stack.enqueue(0);
    await waitUntil(
      () => ids.every((id) => stack.completed.get(id) === 1),
      20_000,
      'all 30 jobs to complete',
    );
    assert.equal(stack.completed.size, 30);
  });

  test('the rate limiter, the engine request limiter, the cache and the event log', async () => {
    await stack.rateLimiterWorks();
    await stack.requestLimiterWorks();
    await stack.cacheWorks();
    await stack.eventLogWorks();
  });

  test('the cluster runtime, configured with REDIS_CLUSTER_NODES, wires every Redis user to the cluster', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'docat-cluster-runtime-'));
    const config = loadConfig({
      DOCAT_MODE: 'cluster',
      DATABASE_URL: 'postgres://docat@127.0.0.1:5432/unused',
      DOCAT_ENCRYPTION_KEY: Buffer.alloc(32, 3).toString('base64'),
      STORAGE_DRIVER: 'fs',
      DOCAT_DATA_DIR: dir,
      REDIS_CLUSTER_NODES: cluster.ports.map((p) => `127.0.0.1:${p}`).join(','),
      REDIS_KEY_PREFIX: `${stack.prefix}-rt`,
    });
    const runtime = await createClusterRuntime(config, {
      storage: new FsStorage(join(dir, 'objects')),
    });
    try {
      assert.deepEqual(await runtime.readiness(), {
        ready: true,
        checks: { redis: 'ok', storage: 'ok' },
      });
      const server = runtime.transportStrategy('auth') as unknown as {
        addHandler(pattern: string, fn: MessageHandler): void;
        listen(cb: (err?: unknown) => void): void;
        close(): Promise<void>;
      };
      server.addHandler('auth.whoami', (async () => ({
        from: 'auth',
      })) as unknown as MessageHandler);
      await new Promise<void>((resolve, reject) =>
        server.listen((err) => (err ? reject(err as Error) : resolve())),
      );
      try {
        assert.deepEqual(await runtime.bus.call('auth.whoami', {}, { timeoutMs: 10_000 }), {
          from: 'auth',
        });
      } finally {
        await server.close();
      }
      const done: string[] = [];
      await runtime.queue.work(QUEUES.RENDER, async (job) => {
        done.push(job.id);
      });
      const { id } = await runtime.queue.enqueue(
        QUEUES.RENDER,
        makeEnvelope(QUEUES.RENDER, 1, {}, {}),
        { jobId: 'runtime-job' },
      );
      await waitUntil(() => done.includes(id), 10_000, 'the runtime queue job');
      await runtime.cache.set('k', 'v', 10_000);
      assert.equal(await runtime.cache.get('k'), 'v');
      assert.equal((await runtime.rateLimiter.hit('login:x', 1, 10_000)).allowed, true);
      assert.equal((await runtime.rateLimiter.hit('login:x', 1, 10_000)).allowed, false);
    } finally {
      await runtime.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('keys are spread over more than one node, each under the prefix', () => {
    const perNode = cluster.ports.map((port) =>
      redisCli(port, '--scan', '--pattern', `*${stack.prefix}*`).split('\n').filter(Boolean),
    );
    const used = perNode.filter((keys) => keys.length > 0).length;
    assert.ok(used >= 2, `keys on ${used} node(s): ${JSON.stringify(perNode)}`);
  });
});
