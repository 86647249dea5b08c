import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalFirstRateLimiter } from './local-first.rate-limiter.js';
import { MemoryRateLimiter } from './memory.rate-limiter.js';
import type { RateLimiterPort } from './rate-limiter.port.js';

/** The shared limiter, counting the calls that would be round trips to Redis. */
function counted(shared: RateLimiterPort) {
  const calls = { hit: 0, record: 0 };
  const port: RateLimiterPort = {
    hit: (...a) => (calls.hit++, shared.hit(...a)),
    record: (...a) => (calls.record++, shared.record(...a)),
    count: (...a) => shared.count(...a),
    reset: (...a) => shared.reset(...a),
    release: (...a) => shared.release(...a),
    close: () => shared.close(),
  };
  return { port, calls };
}

describe('LocalFirstRateLimiter (fake clock)', () => {
  test('far from the limit hits are answered locally and added to the shared window in batches', async () => {
    const now = 0;
    const shared = new MemoryRateLimiter(() => now);
    const { port, calls } = counted(shared);
    const limiter = new LocalFirstRateLimiter(port, { syncMs: 250, now: () => now });
    for (let i = 0; i < 50; i++)
      assert.equal((await limiter.hit('u', 100_000, 3_600_000)).allowed, true);
    assert.equal(calls.hit, 1, 'only the first hit asked the shared limiter');
    const local = await limiter.hit('u', 100_000, 3_600_000);
    assert.equal(local.remaining, 100_000 - 51);
    await limiter.flush();
    assert.equal(calls.record, 1);
    assert.equal(
      (await shared.count('u', 3_600_000)).count,
      51,
      'every hit reached the shared window',
    );
  });

  test('hitNow decides only what hit would decide locally, and counts nothing otherwise', async () => {
    let now = 0;
    const shared = new MemoryRateLimiter(() => now);
    const { port, calls } = counted(shared);
    const limiter = new LocalFirstRateLimiter(port, { syncMs: 250, now: () => now });
    assert.equal(
      limiter.hitNow('u', 1_000, 3_600_000),
      undefined,
      'unknown key: the shared limiter decides',
    );
    await limiter.hit('u', 1_000, 3_600_000);
    const local = limiter.hitNow('u', 1_000, 3_600_000);
    assert.equal(local?.allowed, true);
    assert.equal(local?.remaining, 1_000 - 2);
    assert.equal(limiter.hitNow('u', 500, 3_600_000), undefined, 'another limit: not local');
    now = 250;
    assert.equal(limiter.hitNow('u', 1_000, 3_600_000), undefined, 'stale: not local');
    await limiter.flush();
    assert.equal((await shared.count('u', 3_600_000)).count, 2, 'each allowed hit counted once');
    assert.equal(calls.hit, 1);
    // Near the limit (the exact tail) nothing is decided locally.
    const near = new LocalFirstRateLimiter(port, { syncMs: 250, now: () => now });
    for (let i = 0; i < 90; i++) await near.hit('v', 100, 3_600_000);
    assert.equal(near.hitNow('v', 100, 3_600_000), undefined);
  });

  test('a key in steady use is synced before its count goes stale (real timers)', async () => {
    const shared = new MemoryRateLimiter();
    const { port, calls } = counted(shared);
    // A shared limiter 50 ms away (a busy Redis): each sync lands a round trip after it starts.
    const far: RateLimiterPort = {
      ...port,
      record: (...a) => new Promise((r) => setTimeout(r, 50)).then(() => port.record(...a)),
    };
    const limiter = new LocalFirstRateLimiter(far, { syncMs: 400 });
    await limiter.hit('steady', 1_000_000, 3_600_000);
    let slow = 0;
    const until = Date.now() + 1_200;
    let hits = 1;
    while (Date.now() < until) {
      if (limiter.hitNow('steady', 1_000_000, 3_600_000) === undefined) {
        slow++;
        await limiter.hit('steady', 1_000_000, 3_600_000);
      }
      hits++;
      await new Promise((r) => setTimeout(r, 20));
    }
    await limiter.close();
    assert.equal(slow, 0, 'no hit had to wait for the shared limiter');
    assert.equal(calls.hit, 1);
    assert.ok(calls.record >= 2, `synced ${calls.record} times`);
    assert.equal((await shared.count('steady', 3_600_000)).count, hits);
  });

  test('one replica holds at most a quarter of the exact tail unsynced: then it syncs before answering', async () => {
    const now = 0;
    const shared = new MemoryRateLimiter(() => now);
    const { port, calls } = counted(shared);
    const limiter = new LocalFirstRateLimiter(port, { syncMs: 250, now: () => now });
    // limit 1,000: the exact tail is 100 slots, so at most 25 hits wait unsynced.
    for (let i = 0; i < 27; i++) await limiter.hit('u', 1_000, 3_600_000);
    assert.equal(calls.hit, 2);
    assert.equal(calls.record, 1);
    assert.equal(
      (await shared.count('u', 3_600_000)).count,
      27,
      'all 27 hits are in the shared window',
    );
  });

  test('the last tenth of the limit is counted exactly: two replicas pass the limit by at most the unsynced hits of the other', async () => {
    let now = 0;
    const shared = new MemoryRateLimiter(() => now);
    const a = new LocalFirstRateLimiter(shared, { syncMs: 250, now: () => now });
    const b = new LocalFirstRateLimiter(shared, { syncMs: 250, now: () => now });
    let allowed = 0;
    for (let i = 0; i < 300; i++) {
      if ((await (i % 2 ? a : b).hit('u', 100, 3_600_000)).allowed) allowed++;
      if (i % 20 === 0) now += 100;
    }
    await a.flush();
    await b.flush();
    // The other replica's unsynced hits (at most a quarter of the 10-slot tail: 2) may pass the limit.
    assert.ok(allowed >= 100 && allowed <= 102, `allowed ${allowed}`);
    assert.equal(
      (await shared.count('u', 3_600_000)).count,
      allowed,
      'every allowed hit is in the shared window',
    );
  });

  test('a stale count asks the shared limiter again, after adding the pending hits', async () => {
    let now = 0;
    const shared = new MemoryRateLimiter(() => now);
    const { port, calls } = counted(shared);
    const limiter = new LocalFirstRateLimiter(port, { syncMs: 250, now: () => now });
    await limiter.hit('u', 1_000, 60_000);
    await limiter.hit('u', 1_000, 60_000);
    now += 300;
    const decision = await limiter.hit('u', 1_000, 60_000);
    assert.equal(calls.record, 1);
    assert.equal(calls.hit, 2);
    assert.equal(decision.remaining, 1_000 - 3);
  });

  test('a failing shared limiter surfaces on the next exact hit (the policy decides open or closed)', async () => {
    const now = 0;
    let down = false;
    const shared = new MemoryRateLimiter(() => now);
    const port: RateLimiterPort = {
      hit: (...a) => (down ? Promise.reject(new Error('redis down')) : shared.hit(...a)),
      record: (...a) => (down ? Promise.reject(new Error('redis down')) : shared.record(...a)),
      count: (...a) => shared.count(...a),
      reset: (...a) => shared.reset(...a),
      release: (...a) => shared.release(...a),
      close: () => shared.close(),
    };
    const limiter = new LocalFirstRateLimiter(port, { syncMs: 250, now: () => now });
    await limiter.hit('u', 1_000, 60_000);
    await limiter.hit('u', 1_000, 60_000);
    down = true;
    await limiter.flush();
    await assert.rejects(limiter.hit('u', 1_000, 60_000), /redis down/);
  });
});
