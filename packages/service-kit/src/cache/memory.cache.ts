import type { CachePort } from './cache.port.js';

/**
 * Process-local cache. Expired entries are dropped on read and, at most once per
 * `sweepEveryMs`, by a sweep on write: without it an entry nobody reads again (the snapshot
 * of a finished job) stays until `maxEntries` writes push it out.
 */
export class MemoryCache implements CachePort {
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();
  private nextSweepAt = 0;

  constructor(
    private readonly maxEntries = 10_000,
    private readonly sweepEveryMs = 60_000,
  ) {}

  /** Entries held, expired ones not yet dropped included. */
  get size(): number {
    return this.entries.size;
  }

  async get(key: string): Promise<string | null> {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return null;
    }
    return entry.value;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    const now = Date.now();
    if (now >= this.nextSweepAt) {
      this.nextSweepAt = now + this.sweepEveryMs;
      // At most 10,000 entries, once a minute by default: well under a millisecond.
      for (const [k, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(k);
    }
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: now + ttlMs });
    if (this.entries.size > this.maxEntries) {
      // Map iteration follows insertion order, so the first key is the oldest write.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  async del(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async close(): Promise<void> {
    this.entries.clear();
  }
}
