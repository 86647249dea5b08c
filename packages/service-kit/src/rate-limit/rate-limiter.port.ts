export interface RateLimitDecision {
  allowed: boolean;
  /** The limit the decision was taken against. */
  limit: number;
  /** Hits still allowed in the window after this one. */
  remaining: number;
  /** Milliseconds until the oldest counted hit leaves the window, freeing one slot (0 when none is counted). */
  resetMs: number;
  /** Milliseconds to wait before a refused hit could be allowed; 0 when allowed. */
  retryAfterMs: number;
}

export interface RateLimitCount {
  /** Hits counted in the window that ends now. */
  count: number;
  /** Milliseconds until the oldest counted hit leaves the window (0 when none is counted). */
  resetMs: number;
}

/**
 * Sliding-window rate limiter (a log of hit times per key, not fixed buckets: a burst
 * straddling a window boundary is still counted once per window). Redis in cluster
 * mode, shared by every replica; memory in standalone mode. Refused hits are not
 * counted, so a client that backs off for `retryAfterMs` gets through.
 */
export interface RateLimiterPort {
  /** Counts one hit under `key` if fewer than `limit` were counted in the last `windowMs`. */
  hit(key: string, limit: number, windowMs: number): Promise<RateLimitDecision>;
  /** The hits counted under `key` in the last `windowMs`, without adding one. */
  count(key: string, windowMs: number): Promise<RateLimitCount>;
  /** Forgets every hit counted under `key`. */
  reset(key: string): Promise<void>;
  /**
   * Takes back one hit counted under `key` (the newest): a slot reserved by `hit` for a
   * request that was then refused. Reserving first and giving back on refusal keeps the
   * limit exact under concurrent requests while only accepted ones stay counted.
   */
  release(key: string): Promise<void>;
  /**
   * Adds `hits` hits under `key` now, whatever the limit (they were already allowed by a
   * replica counting locally: `LocalFirstRateLimiter`), and returns the count in the window.
   */
  record(key: string, hits: number, windowMs: number): Promise<RateLimitCount>;
  close(): Promise<void>;
}
