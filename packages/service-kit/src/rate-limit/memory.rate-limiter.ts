import type { RateLimitCount, RateLimitDecision, RateLimiterPort } from './rate-limiter.port.js';

interface Log {
  /** Hit times, oldest first. */
  times: number[];
  /** The longest window this key was asked about, so the sweep never drops live hits. */
  windowMs: number;
}

/** Keys are swept for expired logs once per this many calls, so idle keys cannot pile up. */
const SWEEP_EVERY = 1_000;

/**
 * The in-process sliding window of standalone mode (one process, so one log per key
 * is exact). `now` is injectable so tests can move time without waiting.
 */
export class MemoryRateLimiter implements RateLimiterPort {
  private readonly logs = new Map<string, Log>();
  private calls = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async hit(key: string, limit: number, windowMs: number): Promise<RateLimitDecision> {
    const now = this.now();
    const log = this.prune(key, windowMs, now);
    const allowed = log.times.length < limit;
    if (allowed) log.times.push(now);
    this.logs.set(key, log);
    const resetMs = log.times.length > 0 ? Math.max(0, log.times[0]! + windowMs - now) : 0;
    return {
      allowed,
      limit,
      remaining: Math.max(0, limit - log.times.length),
      resetMs,
      retryAfterMs: allowed
        ? 0
        : Math.max(1, log.times[log.times.length - limit]! + windowMs - now),
    };
  }

  async count(key: string, windowMs: number): Promise<RateLimitCount> {
    const now = this.now();
    const log = this.prune(key, windowMs, now);
    if (log.times.length === 0) this.logs.delete(key);
    return {
      count: log.times.length,
      resetMs: log.times.length > 0 ? Math.max(0, log.times[0]! + windowMs - now) : 0,
    };
  }

  async record(key: string, hits: number, windowMs: number): Promise<RateLimitCount> {
    const now = this.now();
    const log = this.prune(key, windowMs, now);
    for (let i = 0; i < hits; i++) log.times.push(now);
    this.logs.set(key, log);
    return {
      count: log.times.length,
      resetMs: log.times.length > 0 ? Math.max(0, log.times[0]! + windowMs - now) : 0,
    };
  }

  async reset(key: string): Promise<void> {
    this.logs.delete(key);
  }

  async release(key: string): Promise<void> {
    this.logs.get(key)?.times.pop();
  }

  async close(): Promise<void> {
    this.logs.clear();
  }

  private prune(key: string, windowMs: number, now: number): Log {
    if (++this.calls % SWEEP_EVERY === 0) this.sweep(now);
    const log = this.logs.get(key) ?? { times: [], windowMs };
    log.windowMs = Math.max(log.windowMs, windowMs);
    let expired = 0;
    while (expired < log.times.length && log.times[expired]! <= now - windowMs) expired++;
    if (expired > 0) log.times.splice(0, expired);
    return log;
  }

  private sweep(now: number): void {
    for (const [key, log] of this.logs) {
      const newest = log.times[log.times.length - 1];
      if (newest === undefined || newest <= now - log.windowMs) this.logs.delete(key);
    }
  }
}
