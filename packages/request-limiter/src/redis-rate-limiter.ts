import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { abortableSleep, type Lease, type RateLimit, type RateLimiter } from './rate-limiter.js';

/**
 * Atomic admission: drop expired leases and window entries, then admit if both the
 * semaphore (leases) and the sliding window log have room. Uses the server clock so
 * every pod agrees on time. Returns 0 when admitted, -1 when the semaphore is full,
 * or the milliseconds until the window frees a slot.
 */
const ACQUIRE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local concurrency = tonumber(ARGV[1])
local requests = tonumber(ARGV[2])
local per = tonumber(ARGV[3])
local lease = ARGV[4]
local ttl = tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - per)
if redis.call('ZCARD', KEYS[1]) >= concurrency then return -1 end
local recent = redis.call('ZCARD', KEYS[2])
if recent >= requests then
  local oldest = redis.call('ZRANGE', KEYS[2], recent - requests, recent - requests, 'WITHSCORES')
  local wait = tonumber(oldest[2]) + per - now
  if wait < 1 then wait = 1 end
  return wait
end
redis.call('ZADD', KEYS[1], now + ttl, lease)
redis.call('ZADD', KEYS[2], now, lease)
redis.call('PEXPIRE', KEYS[1], ttl + per)
redis.call('PEXPIRE', KEYS[2], ttl + per)
return 0
`;

const RESTAMP_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then redis.call('ZADD', KEYS[1], 'XX', 'GT', now, ARGV[1]) end
return 0
`;

export interface RedisRateLimiterOptions {
  prefix?: string;
  /** A lease not released within this time (crashed pod) stops counting. */
  leaseTtlMs?: number;
  /** Poll interval while the semaphore is full. */
  pollMs?: number;
}

/**
 * Limits shared by every pod through Redis (standalone or Cluster: both keys of a
 * limit share a hash tag, so the script runs on one node).
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly prefix: string;
  private readonly leaseTtlMs: number;
  private readonly pollMs: number;

  constructor(
    private readonly redis: Redis | Cluster,
    options: RedisRateLimiterOptions = {},
  ) {
    this.prefix = options.prefix ?? 'docat:ratelimit:';
    this.leaseTtlMs = options.leaseTtlMs ?? 300_000;
    this.pollMs = options.pollMs ?? 25;
    this.redis.defineCommand('docatAcquire', { numberOfKeys: 2, lua: ACQUIRE_SCRIPT });
  }

  private keys(key: string): [string, string] {
    const tagged = `${this.prefix}{${key}}`;
    return [`${tagged}:leases`, `${tagged}:window`];
  }

  async acquire(key: string, limit: RateLimit, signal?: AbortSignal): Promise<Lease> {
    const [leases, window] = this.keys(key);
    const lease = randomUUID();
    for (;;) {
      signal?.throwIfAborted();
      const result = Number(
        await (
          this.redis as unknown as {
            docatAcquire: (...args: (string | number)[]) => Promise<number>;
          }
        ).docatAcquire(
          leases,
          window,
          limit.concurrency,
          limit.requests,
          limit.perMs,
          lease,
          this.leaseTtlMs,
        ),
      );
      if (result === 0) break;
      await abortableSleep(result < 0 ? this.pollMs : result, signal);
    }
    let released = false;
    return {
      started: () => {
        // Re-stamp with the server clock; best effort, admission already happened.
        void this.redis.eval(RESTAMP_SCRIPT, 1, window, lease).catch(() => undefined);
      },
      release: async () => {
        if (released) return;
        released = true;
        // Best effort: the request has been answered, and a Redis that cannot be reached now
        // must not turn that answer into a failure (and the request into a paid repeat). A
        // lease left behind stops counting after leaseTtlMs.
        await this.redis.zrem(leases, lease).catch(() => undefined);
      },
    };
  }

  async close(): Promise<void> {
    // The Redis connection belongs to the caller.
  }
}
