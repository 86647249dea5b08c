/** A small key/value cache with per-entry expiry: Redis in cluster mode, memory in standalone. */
export interface CachePort {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  del(key: string): Promise<void>;
  close(): Promise<void>;
}
