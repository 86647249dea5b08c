import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { freshRedisPrefix } from '@docat/testing';
import { RedisRateLimiter } from './redis.rate-limiter.js';

describe('RedisRateLimiter', () => {
  const redis = freshRedisPrefix();
  const prefix = redis.prefix.replace(/:$/, '');
  // Two limiters on one Redis stand for two gateway replicas.
  const podA = new RedisRateLimiter(redis.url, prefix);
  const podB = new RedisRateLimiter(redis.url, prefix);

  after(async () => {
    await podA.close();
    await podB.close();
    await redis.cleanup();
  });

  test('replicas share one window: concurrent hits from two pods never exceed the limit', async () => {
    const decisions = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? podA : podB).hit('user:1', 25, 60_000)),
    );
    assert.equal(decisions.filter((d) => d.allowed).length, 25);
    const refused = decisions.find((d) => !d.allowed)!;
    assert.equal(refused.remaining, 0);
    assert.equal(refused.limit, 25);
    assert.ok(
      refused.retryAfterMs > 59_000 && refused.retryAfterMs <= 60_000,
      String(refused.retryAfterMs),
    );
    assert.deepEqual((await podB.count('user:1', 60_000)).count, 25);
  });

  test('the window slides: a slot frees when the oldest hit is older than the window', async () => {
    assert.equal((await podA.hit('user:2', 2, 400)).allowed, true);
    await new Promise((r) => setTimeout(r, 250));
    const second = await podB.hit('user:2', 2, 400);
    assert.equal(second.allowed, true);
    assert.ok(
      second.resetMs <= 150 + 20,
      `reset counts from the oldest hit (${second.resetMs} ms)`,
    );
    const refused = await podA.hit('user:2', 2, 400);
    assert.equal(refused.allowed, false);
    assert.ok(refused.retryAfterMs <= 170, String(refused.retryAfterMs));
    await new Promise((r) => setTimeout(r, refused.retryAfterMs + 10));
    const third = await podA.hit('user:2', 2, 400);
    assert.equal(third.allowed, true, 'the first hit left, the second still counts');
    assert.equal(third.remaining, 0);
  });

  test('release gives back one reserved slot, seen by every replica', async () => {
    await podA.hit('user:5', 2, 5_000);
    await podB.hit('user:5', 2, 5_000);
    assert.equal((await podA.hit('user:5', 2, 5_000)).allowed, false);
    await podB.release('user:5');
    assert.equal((await podA.count('user:5', 5_000)).count, 1);
    assert.equal((await podA.hit('user:5', 2, 5_000)).allowed, true);
    await podA.release('user:none');
  });

  test('reset forgets a key; a key expires from Redis with its window', async () => {
    await podA.hit('user:3', 5, 300);
    await podA.reset('user:3');
    assert.equal((await podB.count('user:3', 300)).count, 0);
    await podA.hit('user:4', 5, 200);
    await new Promise((r) => setTimeout(r, 300));
    const { Redis } = await import('ioredis');
    const client = new Redis(redis.url);
    try {
      assert.equal(await client.exists(`${prefix}:ratelimit:user:4`), 0);
    } finally {
      client.disconnect();
    }
  });
});
