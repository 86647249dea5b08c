import type { RateLimitDecision, RateLimiterPort } from './rate-limiter.port.js';

export class MemoryRateLimiter implements RateLimiterPort {
  private readonly hits = new Map<string, number[]>();

  async hit(key: string, limit: number, windowMs: number): Promise<RateLimitDecision> {
    const now = Date.now();
    const recent = (this.hits.get(key) ?? []).filter((t) => t > now - windowMs);
    const allowed = recent.length < limit;
    if (allowed) recent.push(now);
    this.hits.set(key, recent);
    const oldest = recent[0] ?? now;
    return { allowed, remaining: Math.max(0, limit - recent.length), retryAfterMs: allowed ? 0 : oldest + windowMs - now };
  }

  async close(): Promise<void> {
    this.hits.clear();
  }
}
