import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { RateLimitDecision, RateLimiterPort } from './rate-limiter.port.js';

/**
 * Sliding window in one sorted set per key, updated atomically by a script so that
 * replicas sharing the limit never both take the last slot.
 */
const SLIDING_WINDOW = `
local key, now, window, limit, member = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
local allowed = 0
if count < limit then
  redis.call('ZADD', key, now, member)
  count = count + 1
  allowed = 1
end
redis.call('PEXPIRE', key, window)
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
local oldestAt = now
if oldest[2] then oldestAt = tonumber(oldest[2]) end
return { allowed, count, oldestAt }
`;

export class RedisRateLimiter implements RateLimiterPort {
  private readonly redis: Redis;

  constructor(url: string, private readonly prefix: string) {
    this.redis = new Redis(url, { maxRetriesPerRequest: 2 });
    this.redis.on('error', () => undefined);
  }

  async hit(key: string, limit: number, windowMs: number): Promise<RateLimitDecision> {
    const now = Date.now();
    const member = `${now}-${randomBytes(4).toString('hex')}`;
    const reply = (await this.redis.eval(SLIDING_WINDOW, 1, `${this.prefix}:ratelimit:${key}`, now, windowMs, limit, member)) as [number, number, number];
    const [allowed, count, oldestAt] = reply;
    return {
      allowed: allowed === 1,
      remaining: Math.max(0, limit - count),
      retryAfterMs: allowed === 1 ? 0 : Math.max(0, oldestAt + windowMs - now),
    };
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
