import type { Lease, RateLimit, RateLimiter } from './rate-limiter.js';

interface Waiter {
  limit: RateLimit;
  resolve: (lease: Lease) => void;
  reject: (reason: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

interface KeyState {
  active: number;
  /** Start times within the current window, oldest first. */
  starts: { at: number }[];
  waiters: Waiter[];
  timer?: NodeJS.Timeout;
}

/** Sliding-window log plus a semaphore, per key, in this process. Waiters are served in order. */
export class MemoryRateLimiter implements RateLimiter {
  private readonly keys = new Map<string, KeyState>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  acquire(key: string, limit: RateLimit, signal?: AbortSignal): Promise<Lease> {
    signal?.throwIfAborted();
    let state = this.keys.get(key);
    if (!state) {
      state = { active: 0, starts: [], waiters: [] };
      this.keys.set(key, state);
    }
    const s = state;
    return new Promise<Lease>((resolve, reject) => {
      const waiter: Waiter = { limit, resolve, reject, signal };
      if (signal) {
        waiter.onAbort = () => {
          const i = s.waiters.indexOf(waiter);
          if (i >= 0) s.waiters.splice(i, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      s.waiters.push(waiter);
      this.pump(s);
    });
  }

  private pump(state: KeyState): void {
    if (state.timer) {
      clearTimeout(state.timer);
      state.timer = undefined;
    }
    while (state.waiters.length > 0) {
      const waiter = state.waiters[0]!;
      const { concurrency, requests, perMs } = waiter.limit;
      const now = this.now();
      while (state.starts.length > 0 && state.starts[0]!.at <= now - perMs) state.starts.shift();
      if (state.active >= concurrency) return;
      if (state.starts.length >= requests) {
        const wait = state.starts[state.starts.length - requests]!.at + perMs - now;
        state.timer = setTimeout(() => this.pump(state), Math.max(1, Math.ceil(wait)));
        return;
      }
      state.waiters.shift();
      if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      state.active++;
      const entry = { at: now };
      state.starts.push(entry);
      let released = false;
      waiter.resolve({
        started: () => {
          const i = state.starts.indexOf(entry);
          if (i < 0) return;
          state.starts.splice(i, 1);
          entry.at = Math.max(entry.at, this.now());
          let j = state.starts.length;
          while (j > 0 && state.starts[j - 1]!.at > entry.at) j--;
          state.starts.splice(j, 0, entry);
        },
        release: async () => {
          if (released) return;
          released = true;
          state.active--;
          this.pump(state);
        },
      });
    }
  }

  async close(): Promise<void> {
    for (const state of this.keys.values()) if (state.timer) clearTimeout(state.timer);
    this.keys.clear();
  }
}
