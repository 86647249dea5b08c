import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { DocatError } from '@docat/contracts';
import { MemoryCache } from './cache/memory.cache.js';
import { MemoryRateLimiter } from './rate-limit/memory.rate-limiter.js';
import { checkClaims } from './bootstrap.js';
import { parseOrThrow } from './errors/validate.js';

describe('MemoryCache', () => {
  test('returns a value until its ttl passes, then forgets it', async () => {
    const cache = new MemoryCache();
    await cache.set('a', '1', 30);
    assert.equal(await cache.get('a'), '1');
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(await cache.get('a'), null);
  });

  test('evicts the oldest write beyond its capacity', async () => {
    const cache = new MemoryCache(2);
    await cache.set('a', '1', 10_000);
    await cache.set('b', '2', 10_000);
    await cache.set('c', '3', 10_000);
    assert.deepEqual(
      [await cache.get('a'), await cache.get('b'), await cache.get('c')],
      [null, '2', '3'],
    );
    await cache.del('b');
    assert.equal(await cache.get('b'), null);
  });

  test('drops expired entries nobody reads again when it is written to', async () => {
    const cache = new MemoryCache(10_000, 0);
    await cache.set('finished-1', 'x', 10);
    await cache.set('finished-2', 'x', 10);
    await cache.set('live', 'y', 60_000);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(cache.size, 3);
    await cache.set('next', 'z', 60_000);
    assert.equal(cache.size, 2);
    assert.equal(await cache.get('live'), 'y');
  });

  test('sweeps at most once per interval', async () => {
    const cache = new MemoryCache(10_000, 60_000);
    await cache.set('a', 'x', 10);
    await new Promise((r) => setTimeout(r, 20));
    // The first write swept (nothing had expired then); the next sweep is a minute away.
    await cache.set('b', 'x', 60_000);
    assert.equal(cache.size, 2);
  });
});

describe('MemoryRateLimiter', () => {
  test('allows `limit` hits per window and reports when to retry', async () => {
    const limiter = new MemoryRateLimiter();
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await limiter.hit('k', 3, 60_000));
    assert.deepEqual(
      decisions.map((d) => d.allowed),
      [true, true, true, false],
    );
    assert.equal(decisions[2]!.remaining, 0);
    assert.ok(decisions[3]!.retryAfterMs > 59_000);
    assert.equal((await limiter.hit('other', 3, 60_000)).allowed, true);
  });
});

describe('checkClaims', () => {
  test('names every claimed pattern and queue without a handler', () => {
    assert.throws(
      () =>
        checkClaims(
          'ingestion',
          { patterns: ['jobs.get', 'jobs.list'], queues: ['extract'] },
          new Set(['jobs.get']),
          new Set(),
        ),
      /ingestion: no handler for pattern jobs.list, queue extract/,
    );
    assert.doesNotThrow(() =>
      checkClaims(
        'ingestion',
        { patterns: ['jobs.get'], queues: ['extract'] },
        new Set(['jobs.get']),
        new Set(['extract']),
      ),
    );
  });
});

describe('parseOrThrow', () => {
  test('answers the parsed value or VALIDATION_FAILED listing the paths', () => {
    const schema = z.object({ a: z.number(), b: z.object({ c: z.string() }) });
    assert.deepEqual(parseOrThrow(schema, { a: 1, b: { c: 'x' } }), { a: 1, b: { c: 'x' } });
    try {
      parseOrThrow(schema, { a: 'no', b: {} });
      assert.fail('expected a validation error');
    } catch (err) {
      assert.ok(err instanceof DocatError);
      assert.equal(err.code, 'VALIDATION_FAILED');
      assert.deepEqual(
        err.errors?.map((e) => e.path),
        ['a', 'b.c'],
      );
    }
  });
});
