import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeKey, parseDuration, parseRateLimit, toHostname, toOrigin } from './parsers.js';

describe('parseDuration', () => {
  test('reads every unit', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration('15m'), 900_000);
    assert.equal(parseDuration('24h'), 86_400_000);
    assert.equal(parseDuration('30d'), 30 * 86_400_000);
    assert.equal(parseDuration('2w'), 14 * 86_400_000);
    assert.equal(parseDuration('7y'), 7 * 365 * 86_400_000);
    assert.equal(parseDuration(' 2h '), 7_200_000);
  });

  test('rejects bare numbers, zero, negatives, unknown units and decimals', () => {
    for (const bad of ['24', '0h', '-1d', '1.5h', '3 months', 'h', '', '1e3s']) {
      assert.equal(parseDuration(bad), undefined, bad);
    }
  });
});

describe('parseRateLimit', () => {
  test('reads count per named window or per duration', () => {
    assert.deepEqual(parseRateLimit('10/hour'), { limit: 10, windowMs: 3_600_000 });
    assert.deepEqual(parseRateLimit('5/minute'), { limit: 5, windowMs: 60_000 });
    assert.deepEqual(parseRateLimit('1000/hours'), { limit: 1000, windowMs: 3_600_000 });
    assert.deepEqual(parseRateLimit('3 / day'), { limit: 3, windowMs: 86_400_000 });
    assert.deepEqual(parseRateLimit('100/15m'), { limit: 100, windowMs: 900_000 });
  });

  test('rejects malformed specs', () => {
    for (const bad of ['10', '0/hour', '10/fortnight', 'ten/hour', '10/', '/hour', '10/hour/2']) {
      assert.equal(parseRateLimit(bad), undefined, bad);
    }
  });
});

describe('small parsers', () => {
  test('origins are scheme://host[:port] only', () => {
    assert.equal(toOrigin('https://app.example.com'), 'https://app.example.com');
    assert.equal(toOrigin('http://localhost:5173/'), 'http://localhost:5173');
    assert.equal(toOrigin('https://app.example.com/path'), undefined);
    assert.equal(toOrigin('ftp://example.com'), undefined);
  });

  test('hostnames allow one leading wildcard label', () => {
    assert.equal(toHostname('Hooks.Example.com'), 'hooks.example.com');
    assert.equal(toHostname('*.internal.example'), '*.internal.example');
    assert.equal(toHostname('a.*.example'), undefined);
    assert.equal(toHostname('http://example.com'), undefined);
  });

  test('encryption keys must be exactly 32 bytes of base64 or base64url', () => {
    const key = Buffer.alloc(32, 7);
    assert.deepEqual(decodeKey(key.toString('base64')), key);
    assert.deepEqual(decodeKey(key.toString('base64url')), key);
    assert.equal(decodeKey(Buffer.alloc(16).toString('base64')), undefined);
    assert.equal(decodeKey('not base64 at all!'), undefined);
  });
});
