import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryRateLimiter } from './memory.rate-limiter.js';

const HOUR = 3_600_000;

describe('MemoryRateLimiter (fake clock)', () => {
  test('is a sliding window: hits leave one by one as they age, not all at a boundary', async () => {
    let now = 1_000_000;
    const limiter = new MemoryRateLimiter(() => now);
    // 10 hits spread over the first 45 minutes of the window.
    for (let i = 0; i < 10; i++) {
      const d = await limiter.hit('u', 10, HOUR);
      assert.equal(d.allowed, true);
      assert.equal(d.remaining, 9 - i);
      now += 5 * 60_000;
    }
    // 50 minutes after the first hit: still 10 in the window.
    const refused = await limiter.hit('u', 10, HOUR);
    assert.equal(refused.allowed, false);
    assert.equal(refused.remaining, 0);
    assert.equal(
      refused.retryAfterMs,
      10 * 60_000,
      'the first hit leaves the window 10 minutes later',
    );
    assert.equal(refused.resetMs, 10 * 60_000);
    // A fixed window starting at the first hit would free all 10 slots at once; a sliding one frees one.
    now += 10 * 60_000;
    assert.equal((await limiter.hit('u', 10, HOUR)).allowed, true);
    const again = await limiter.hit('u', 10, HOUR);
    assert.equal(again.allowed, false);
    assert.equal(again.retryAfterMs, 5 * 60_000, 'the second hit leaves 5 minutes after the first');
  });

  test('refused hits are not counted, so a client that waits Retry-After gets through', async () => {
    let now = 0;
    const limiter = new MemoryRateLimiter(() => now);
    for (let i = 0; i < 5; i++) assert.equal((await limiter.hit('ip', 5, 60_000)).allowed, true);
    for (let i = 0; i < 20; i++) assert.equal((await limiter.hit('ip', 5, 60_000)).allowed, false);
    const refused = await limiter.hit('ip', 5, 60_000);
    now += refused.retryAfterMs;
    assert.equal((await limiter.hit('ip', 5, 60_000)).allowed, true);
  });

  test('count looks without counting; reset forgets; keys are independent', async () => {
    let now = 0;
    const limiter = new MemoryRateLimiter(() => now);
    await limiter.hit('a', 3, 1_000);
    now += 400;
    await limiter.hit('a', 3, 1_000);
    assert.deepEqual(await limiter.count('a', 1_000), { count: 2, resetMs: 600 });
    assert.deepEqual(await limiter.count('a', 1_000), { count: 2, resetMs: 600 });
    assert.deepEqual(await limiter.count('b', 1_000), { count: 0, resetMs: 0 });
    now += 700;
    assert.equal((await limiter.count('a', 1_000)).count, 1);
    await limiter.reset('a');
    assert.equal((await limiter.count('a', 1_000)).count, 0);
  });

  test('release gives back one reserved slot; releasing an empty key is harmless', async () => {
    const limiter = new MemoryRateLimiter(() => 0);
    assert.equal((await limiter.hit('u', 2, 1_000)).allowed, true);
    assert.equal((await limiter.hit('u', 2, 1_000)).allowed, true);
    assert.equal((await limiter.hit('u', 2, 1_000)).allowed, false);
    await limiter.release('u');
    assert.equal((await limiter.count('u', 1_000)).count, 1);
    assert.equal((await limiter.hit('u', 2, 1_000)).allowed, true);
    await limiter.release('nobody');
    assert.equal((await limiter.count('nobody', 1_000)).count, 0);
  });

  test('idle keys are swept so many one-off clients do not grow memory without bound', async () => {
    let now = 0;
    const limiter = new MemoryRateLimiter(() => now);
    for (let i = 0; i < 5_000; i++) await limiter.hit(`ip-${i}`, 5, 1_000);
    now += 2_000;
    for (let i = 0; i < 1_000; i++) await limiter.hit('steady', 5_000, 10_000);
    const size = (limiter as unknown as { logs: Map<string, unknown> }).logs.size;
    assert.ok(size < 100, `expired keys were swept (${size} left)`);
  });
});
