import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { freshRedisPrefix } from '@docat/testing';
import { RedisRateLimiter } from './redis-rate-limiter.js';

describe('RedisRateLimiter', () => {
  const redis = freshRedisPrefix();
  const prefix = `${redis.prefix}rl:`;
  let a: Redis;
  let b: Redis;

  before(async () => {
    a = new Redis(redis.url);
    b = new Redis(redis.url);
  });
  after(async () => {
    await redis.cleanup();
    a.disconnect();
    b.disconnect();
  });

  test('two limiters (two pods) share concurrency and the request window', async (t) => {
    const pods = [
      new RedisRateLimiter(a, { prefix, pollMs: 10 }),
      new RedisRateLimiter(b, { prefix, pollMs: 10 }),
    ];
    const limit = { concurrency: 2, requests: 4, perMs: 500 };
    let inFlight = 0;
    let maxInFlight = 0;
    const starts: number[] = [];
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const lease = await pods[i % 2]!.acquire('engine:openai', limit);
        lease.started();
        starts.push(performance.now());
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 50));
        inFlight--;
        await lease.release();
      }),
    );
    starts.sort((x, y) => x - y);
    let maxInWindow = 0;
    for (let i = 0; i < starts.length; i++)
      maxInWindow = Math.max(
        maxInWindow,
        starts.filter((s) => s >= starts[i]! && s < starts[i]! + 490).length,
      );
    t.diagnostic(
      `maxInFlight=${maxInFlight} maxPerWindow=${maxInWindow} wall=${Math.round(performance.now() - started)}ms`,
    );
    assert.ok(maxInFlight <= 2);
    assert.ok(maxInWindow <= 4);
    assert.ok(
      performance.now() - started >= 1000,
      '10 requests at 4 per 500 ms need two full windows',
    );
  });

  test('acquire honours an abort signal while waiting', async () => {
    const limiter = new RedisRateLimiter(a, { prefix, pollMs: 10 });
    const limit = { concurrency: 1, requests: 100, perMs: 1000 };
    const lease = await limiter.acquire('engine:abort', limit);
    const controller = new AbortController();
    const waiting = limiter.acquire('engine:abort', limit, controller.signal);
    setTimeout(() => controller.abort(new Error('stop')), 30);
    await assert.rejects(waiting, /stop/);
    await lease.release();
  });

  test('a lease released while Redis cannot be reached does not fail the answered request', async () => {
    const c = new Redis(redis.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false });
    try {
      await new Promise((resolve) => c.once('ready', resolve));
      const limiter = new RedisRateLimiter(c, { prefix, pollMs: 10 });
      const limit = { concurrency: 1, requests: 100, perMs: 1000 };
      const lease = await limiter.acquire('engine:gone', limit);
      c.disconnect();
      await lease.release();
    } finally {
      c.disconnect();
    }
    // The lease left behind stops counting after its TTL; here it is still counted.
    const leases = `${prefix}{engine:gone}:leases`;
    assert.equal(await a.zcard(leases), 1, 'the lease could not be removed, and nothing threw');
    await a.del(leases);
  });
});
