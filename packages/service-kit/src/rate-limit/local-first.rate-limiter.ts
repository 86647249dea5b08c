import type { RateLimitDecision, RateLimiterPort } from './rate-limiter.port.js';

export interface LocalFirstOptions {
  /**
   * How long a shared count stays fresh enough to decide locally. Default 250 ms. Hits
   * counted here are added to the shared window every half of it, so a key in steady use
   * is synced again before its count goes stale and never waits for the shared limiter.
   */
  syncMs?: number;
  /**
   * The share of a limit counted exactly: while fewer than this share of the slots
   * remain (and at least `minExact` slots), every hit goes to the shared limiter at once.
   * Default 0.1.
   */
  exactShare?: number;
  /** The fewest slots counted exactly at the end of a window. Default 10. */
  minExact?: number;
  now?: () => number;
}

interface KeyState {
  limit: number;
  windowMs: number;
  /** Hits in the shared window at the last sync, this replica's flushed hits included. */
  known: number;
  /** Hits allowed here and not yet added to the shared window. */
  pending: number;
  /** Hits being added right now. */
  flushing: number;
  syncedAt: number;
  /** `resetMs` of the shared window at the last sync. */
  resetMs: number;
}

/**
 * A rate limiter that answers most hits from memory and adds them to the shared window
 * (Redis in cluster mode) in batches, so that a request does not wait for a round trip
 * to Redis. It is meant for high, coarse limits (`api_general`, 1,000 an hour), not for
 * the ones that guard credentials or reserve slots.
 *
 * A key is counted locally only while its shared count is fresh (synced less than
 * `syncMs` ago), far from the limit, and while this replica holds fewer unsynced hits of
 * it than a quarter of the exact tail. In the last tenth of the limit (at least the last
 * 10 slots) every hit goes to the shared limiter, after this replica's pending hits. The
 * one inexactness: hits other replicas counted and have not synced yet (at most a
 * quarter of the tail each, for at most `syncMs`) can let a key pass its limit by that
 * much; with one replica (standalone mode) the limit is exact.
 */
export class LocalFirstRateLimiter {
  private readonly keys = new Map<string, KeyState>();
  private readonly syncMs: number;
  private readonly exactShare: number;
  private readonly minExact: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly shared: RateLimiterPort,
    options: LocalFirstOptions = {},
  ) {
    this.syncMs = options.syncMs ?? 250;
    this.exactShare = options.exactShare ?? 0.1;
    this.minExact = options.minExact ?? 10;
    this.now = options.now ?? Date.now;
  }

  /** Keys with a local count (for tests). */
  get size(): number {
    return this.keys.size;
  }

  async hit(key: string, limit: number, windowMs: number): Promise<RateLimitDecision> {
    const local = this.hitNow(key, limit, windowMs);
    if (local) return local;
    // Stale, unknown or near the limit: the shared limiter decides, after this replica's
    // pending hits are added so that it counts them.
    await this.flushKey(key);
    const decision = await this.shared.hit(key, limit, windowMs);
    const used = limit - decision.remaining;
    const after = this.keys.get(key);
    this.keys.set(key, {
      limit,
      windowMs,
      known: used,
      pending: after && after.limit === limit && after.windowMs === windowMs ? after.pending : 0,
      flushing: 0,
      syncedAt: this.now(),
      resetMs: decision.resetMs,
    });
    return decision;
  }

  /**
   * The hit counted in memory when this replica may decide alone (the key's shared count
   * is fresh and far from the limit): an allowed decision, without waiting. Undefined when
   * the shared limiter must decide: nothing was counted, call `hit`.
   */
  hitNow(key: string, limit: number, windowMs: number): RateLimitDecision | undefined {
    const state = this.keys.get(key);
    if (!state || state.limit !== limit || state.windowMs !== windowMs) return undefined;
    const now = this.now();
    if (now - state.syncedAt >= this.syncMs) return undefined;
    const used = state.known + state.pending + state.flushing;
    const exactTail = Math.max(this.minExact, Math.ceil(limit * this.exactShare));
    // Unsynced hits per replica stay under a quarter of the exact tail, which bounds what
    // the replicas can count late together.
    const unsynced = Math.max(1, Math.floor(exactTail / 4));
    if (used + 1 > limit - exactTail || state.pending + state.flushing >= unsynced)
      return undefined;
    state.pending += 1;
    this.schedule();
    return {
      allowed: true,
      limit,
      remaining: limit - used - 1,
      resetMs: Math.max(0, state.resetMs - (now - state.syncedAt)),
      retryAfterMs: 0,
    };
  }

  /** Adds every pending hit to the shared window now. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => this.flush());
    const keys = [...this.keys.keys()];
    this.flushing = Promise.all(keys.map((key) => this.flushKey(key))).then(
      () => {
        this.flushing = null;
      },
      () => {
        this.flushing = null;
      },
    );
    return this.flushing;
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    // flushKey keeps failed hits counted locally: flush never rejects.
    await this.flush();
  }

  private schedule(): void {
    if (this.timer) return;
    // Half the freshness window: the sync (and its round trip) lands before the count goes
    // stale. Syncing only after syncMs left a gap in every window in which every request
    // went to the shared limiter (a Redis round trip each in cluster mode).
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush().then(() => this.sweep());
    }, this.syncMs / 2);
    this.timer.unref();
  }

  private async flushKey(key: string): Promise<void> {
    const state = this.keys.get(key);
    if (!state || state.pending === 0) return;
    const hits = state.pending;
    state.pending = 0;
    state.flushing += hits;
    try {
      const counted = await this.shared.record(key, hits, state.windowMs);
      state.known = counted.count;
      state.resetMs = counted.resetMs;
      state.syncedAt = this.now();
    } catch {
      // The shared limiter is down: the hits stay counted here only, and the next
      // hit of the key asks the shared limiter (and fails open or closed as its policy says).
      state.syncedAt = Number.NEGATIVE_INFINITY;
    } finally {
      state.flushing -= hits;
    }
  }

  /** Forgets keys with nothing pending that were not synced for a while. */
  private sweep(): void {
    const now = this.now();
    for (const [key, state] of this.keys) {
      if (state.pending === 0 && state.flushing === 0 && now - state.syncedAt > 10 * this.syncMs)
        this.keys.delete(key);
    }
  }
}
