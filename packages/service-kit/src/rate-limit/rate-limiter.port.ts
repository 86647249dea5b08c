export interface RateLimitDecision {
  allowed: boolean;
  remaining: number;
  /** Milliseconds until the oldest counted hit leaves the window. */
  retryAfterMs: number;
}

/** Sliding-window rate limiter: Redis in cluster mode (shared by replicas), memory in standalone. */
export interface RateLimiterPort {
  hit(key: string, limit: number, windowMs: number): Promise<RateLimitDecision>;
  close(): Promise<void>;
}
