import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '@docat/config';
import { MemoryRateLimiter } from '@docat/service-kit';
import {
  accountKey,
  emailOf,
  limitFor,
  rateLimitHeaders,
  reportedLimit,
  type CountedLimit,
} from './rate-limit.policies.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The shipped defaults, as a server with no rate-limit variables set would run. */
const defaults = loadConfig({}).rateLimits;

async function hits(
  limiter: MemoryRateLimiter,
  key: string,
  policy: Parameters<typeof limitFor>[1],
  n: number,
  plan?: string,
) {
  const limit = limitFor(defaults, policy, plan);
  const out = [];
  for (let i = 0; i < n; i++)
    out.push(await limiter.hit(`${policy}:${key}`, limit.limit, limit.windowMs));
  return out;
}

describe('rate limits with the shipped defaults (fake clock)', () => {
  test('pdf_upload: 10 per hour per user, then 429 until the oldest upload is an hour old', async () => {
    let now = 0;
    const limiter = new MemoryRateLimiter(() => now);
    const first = await hits(limiter, 'u:alice', 'pdf_upload', 10);
    assert.ok(first.every((d) => d.allowed));
    now += 30 * MINUTE;
    const [eleventh] = await hits(limiter, 'u:alice', 'pdf_upload', 1);
    assert.equal(eleventh!.allowed, false);
    assert.equal(eleventh!.retryAfterMs, 30 * MINUTE);
    assert.ok(
      (await hits(limiter, 'u:bob', 'pdf_upload', 1))[0]!.allowed,
      'another user has their own window',
    );
    now += 30 * MINUTE;
    assert.ok((await hits(limiter, 'u:alice', 'pdf_upload', 1))[0]!.allowed);
  });

  test('api_general: 1000 per hour; plans raise it (plus 5000, pro 20000), unknown plans keep the default', async () => {
    const limiter = new MemoryRateLimiter(() => 0);
    const decisions = await hits(limiter, 'u:carol', 'api_general', 1001);
    assert.equal(decisions.filter((d) => d.allowed).length, 1000);
    assert.deepEqual(limitFor(defaults, 'api_general', 'plus'), { limit: 5000, windowMs: HOUR });
    assert.deepEqual(limitFor(defaults, 'pdf_upload', 'pro'), { limit: 200, windowMs: HOUR });
    assert.deepEqual(limitFor(defaults, 'pdf_upload', 'free'), { limit: 10, windowMs: HOUR });
    assert.deepEqual(limitFor(defaults, 'pdf_upload', 'constructor'), {
      limit: 10,
      windowMs: HOUR,
    });
    assert.deepEqual(
      limitFor(defaults, 'auth_login', 'pro'),
      { limit: 5, windowMs: MINUTE },
      'plans do not change login limits',
    );
  });

  test('auth_login: 5 per minute; password_reset: 3 per hour', async () => {
    let now = 0;
    const limiter = new MemoryRateLimiter(() => now);
    const login = await hits(limiter, 'ip:203.0.113.9', 'auth_login', 6);
    assert.deepEqual(
      login.map((d) => d.allowed),
      [true, true, true, true, true, false],
    );
    now += MINUTE;
    assert.ok((await hits(limiter, 'ip:203.0.113.9', 'auth_login', 1))[0]!.allowed);
    const reset = await hits(limiter, 'acct:x', 'password_reset', 4);
    assert.deepEqual(
      reset.map((d) => d.allowed),
      [true, true, true, false],
    );
    assert.deepEqual(defaults.loginLockout, { limit: 10, windowMs: 15 * MINUTE });
  });

  test('per-plan overrides are validated at boot', () => {
    assert.throws(
      () => loadConfig({ RATE_LIMIT_PLANS: 'pro:auth_login=100/minute' }),
      /unknown limit "auth_login"/,
    );
    assert.throws(
      () => loadConfig({ RATE_LIMIT_PLANS: 'pro:pdf_upload=lots' }),
      /RATE_LIMIT_PLANS/,
    );
    assert.deepEqual(loadConfig({ RATE_LIMIT_PLANS: 'none' }).rateLimits.byPlan, {});
  });

  test('TRUSTED_PROXIES takes addresses and CIDR blocks only', () => {
    assert.deepEqual(
      loadConfig({ TRUSTED_PROXIES: '10.0.0.0/8, 192.168.1.7,::1,fd00::/8' }).http.trustedProxies,
      ['10.0.0.0/8', '192.168.1.7', '::1', 'fd00::/8'],
    );
    assert.deepEqual(loadConfig({}).http.trustedProxies, []);
    for (const bad of ['proxy.example', '10.0.0.0/33', '::1/129', '10.0.0.1/8/2', '*']) {
      assert.throws(() => loadConfig({ TRUSTED_PROXIES: bad }), /TRUSTED_PROXIES/, bad);
    }
  });
});

describe('rate-limit headers', () => {
  const upload: CountedLimit = {
    policy: 'pdf_upload',
    limit: { limit: 10, windowMs: HOUR },
    decision: { allowed: true, limit: 10, remaining: 2, resetMs: 1_500, retryAfterMs: 0 },
  };
  const general: CountedLimit = {
    policy: 'api_general',
    limit: { limit: 1000, windowMs: HOUR },
    decision: { allowed: true, limit: 1000, remaining: 990, resetMs: 3_000_000, retryAfterMs: 0 },
  };

  test('report the limit closest to exhaustion and list every policy of the route', () => {
    assert.equal(reportedLimit([general, upload]), upload);
    assert.deepEqual(rateLimitHeaders([general, upload]), {
      'ratelimit-limit': '10',
      'ratelimit-remaining': '2',
      'ratelimit-reset': '2',
      'ratelimit-policy': '10;w=3600;comment="pdf_upload", 1000;w=3600;comment="api_general"',
    });
  });

  test('a refusal adds Retry-After and reports its own wait', () => {
    const refused: CountedLimit = {
      ...upload,
      decision: { allowed: false, limit: 10, remaining: 0, resetMs: 100_000, retryAfterMs: 61_200 },
    };
    const headers = rateLimitHeaders([general, refused]);
    assert.equal(headers['retry-after'], '62');
    assert.equal(headers['ratelimit-reset'], '62');
    assert.equal(headers['ratelimit-remaining'], '0');
    assert.deepEqual(rateLimitHeaders([]), {});
  });

  test('account keys are digests of the normalised email', () => {
    assert.equal(accountKey(' Ada@Example.org '), accountKey('ada@example.org'));
    assert.ok(!accountKey('ada@example.org').includes('ada'));
    assert.equal(emailOf({ email: 'a@b.c', password: 'x' }), 'a@b.c');
    assert.equal(emailOf({ email: 42 }), undefined);
    assert.equal(emailOf(null), undefined);
  });
});
