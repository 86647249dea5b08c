/**
 * Limits for one engine (or one provider account): at most `concurrency` requests in
 * flight, and at most `requests` request starts in any sliding window of `perMs`.
 */
export interface RateLimit {
  concurrency: number;
  requests: number;
  perMs: number;
}

/**
 * Admission to send one request. `started()` re-stamps the request's window entry with
 * the moment it really goes out (a busy event loop can delay that past admission), so
 * later admissions count from what the provider sees. `release()` ends it.
 */
export interface Lease {
  started(): void;
  release(): Promise<void>;
}

/**
 * Port for request admission. The in-memory implementation serves one process
 * (standalone, CLI, tests); the Redis one shares the limits among all pods.
 */
export interface RateLimiter {
  /** Resolves when a request may start; rejects with the signal's reason on abort. */
  acquire(key: string, limit: RateLimit, signal?: AbortSignal): Promise<Lease>;
  close(): Promise<void>;
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
