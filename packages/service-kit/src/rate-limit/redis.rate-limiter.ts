import { randomBytes } from 'node:crypto';
import { createRedisConnection, type RedisConnection, type RedisTopology } from '@docat/transport';
import type { RateLimitCount, RateLimitDecision, RateLimiterPort } from './rate-limiter.port.js';

/**
 * Sliding window in one sorted set of hit times per key, updated atomically by a
 * script so that replicas sharing the limit never both take the last slot. Time is
 * Redis's own clock, so replicas with skewed clocks still agree on the window.
 * Returns { allowed, count, resetMs, retryAfterMs }.
 */
const HIT = `
local key, window, limit, nonce = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
local allowed = 0
if count < limit then
  redis.call('ZADD', key, now, now .. '-' .. nonce)
  count = count + 1
  allowed = 1
end
local resetMs, retryAfterMs = 0, 0
if count > 0 then
  redis.call('PEXPIRE', key, window)
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  resetMs = math.max(0, tonumber(oldest[2]) + window - now)
  if allowed == 0 then
    local blocking = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
    retryAfterMs = math.max(1, tonumber(blocking[2]) + window - now)
  end
end
return { allowed, count, resetMs, retryAfterMs }
`;

const COUNT = `
local key, window = KEYS[1], tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
local resetMs = 0
if count > 0 then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  resetMs = math.max(0, tonumber(oldest[2]) + window - now)
end
return { count, resetMs }
`;

/** Adds ARGV[2] hits now (already allowed elsewhere); returns { count, resetMs }. */
const RECORD = `
local key, window, hits, nonce = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
for i = 1, hits do
  redis.call('ZADD', key, now, now .. '-' .. nonce .. '-' .. i)
end
local count = redis.call('ZCARD', key)
local resetMs = 0
if count > 0 then
  redis.call('PEXPIRE', key, window)
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  resetMs = math.max(0, tonumber(oldest[2]) + window - now)
end
return { count, resetMs }
`;

type ScriptedConnection = RedisConnection & {
  docatRateHit(key: string, windowMs: number, limit: number, nonce: string): Promise<unknown>;
  docatRateCount(key: string, windowMs: number): Promise<unknown>;
  docatRateRecord(key: string, windowMs: number, hits: number, nonce: string): Promise<unknown>;
};

export class RedisRateLimiter implements RateLimiterPort {
  private readonly redis: ScriptedConnection;
  /** Members of one sorted set must differ: a per-process prefix and a counter (no random bytes per hit). */
  private readonly nonceBase = randomBytes(6).toString('hex');
  private nonces = 0;

  /**
   * `target`: a `redis://` URL or a topology (standalone, Sentinel, Cluster). Each script
   * touches one key, so it runs on one cluster node without a hash tag.
   */
  constructor(
    target: string | RedisTopology,
    private readonly prefix: string,
  ) {
    const topology: RedisTopology =
      typeof target === 'string' ? { kind: 'standalone', url: target } : target;
    const redis = createRedisConnection(topology, {
      maxRetriesPerRequest: 2,
      connectionName: `${prefix}:rate-limit`,
    });
    // Scripts run by digest (EVALSHA, loaded on first use): the text is not sent with every hit.
    redis.defineCommand('docatRateHit', { numberOfKeys: 1, lua: HIT });
    redis.defineCommand('docatRateCount', { numberOfKeys: 1, lua: COUNT });
    redis.defineCommand('docatRateRecord', { numberOfKeys: 1, lua: RECORD });
    redis.on('error', () => undefined);
    this.redis = redis as ScriptedConnection;
  }

  private keyOf(key: string): string {
    return `${this.prefix}:ratelimit:${key}`;
  }

  async hit(key: string, limit: number, windowMs: number): Promise<RateLimitDecision> {
    const [allowed, count, resetMs, retryAfterMs] = (await this.redis.docatRateHit(
      this.keyOf(key),
      windowMs,
      limit,
      this.nonce(),
    )) as [number, number, number, number];
    return {
      allowed: allowed === 1,
      limit,
      remaining: Math.max(0, limit - count),
      resetMs,
      retryAfterMs,
    };
  }

  async count(key: string, windowMs: number): Promise<RateLimitCount> {
    const [count, resetMs] = (await this.redis.docatRateCount(this.keyOf(key), windowMs)) as [
      number,
      number,
    ];
    return { count, resetMs };
  }

  async record(key: string, hits: number, windowMs: number): Promise<RateLimitCount> {
    const [count, resetMs] = (await this.redis.docatRateRecord(
      this.keyOf(key),
      windowMs,
      hits,
      this.nonce(),
    )) as [number, number];
    return { count, resetMs };
  }

  private nonce(): string {
    this.nonces = (this.nonces + 1) % Number.MAX_SAFE_INTEGER;
    return `${this.nonceBase}${this.nonces.toString(36)}`;
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(this.keyOf(key));
  }

  async release(key: string): Promise<void> {
    await this.redis.zpopmax(this.keyOf(key));
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
