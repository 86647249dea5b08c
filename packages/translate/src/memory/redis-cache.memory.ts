import type { Cluster, Redis } from 'ioredis';
import type { MemoryEntry, TranslationMemory } from './translation-memory.js';

export interface RedisCachedMemoryOptions {
  prefix?: string;
  ttlSeconds?: number;
}

/**
 * The key/value store the cache needs: Redis in cluster mode, or any store with expiry
 * (the service kit's cache port has this shape).
 */
export interface MemoryCacheStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  del(key: string): Promise<void>;
}

interface Cached {
  entry: MemoryEntry;
  cachedAt: number;
}

/**
 * Read-through, write-through cache in front of a durable memory. Works on Redis
 * Cluster: every command touches one key. A purge writes a marker per account (and per
 * glossary); cached entries older than the marker are ignored and dropped, so purged
 * translations never come back from the cache.
 */
export class CachedTranslationMemory implements TranslationMemory {
  private readonly prefix: string;
  private readonly ttl: number;

  constructor(
    private readonly inner: TranslationMemory,
    private readonly store: MemoryCacheStore,
    options: RedisCachedMemoryOptions = {},
  ) {
    this.prefix = options.prefix ?? 'docat:tm:';
    this.ttl = options.ttlSeconds ?? 86_400;
  }

  private entryKey(key: string): string {
    return `${this.prefix}e:${key}`;
  }

  private markerKey(accountId: string, glossaryId?: string): string {
    return `${this.prefix}purged:${accountId}${glossaryId === undefined ? '' : `:${glossaryId}`}`;
  }

  async getMany(keys: readonly string[]): Promise<Map<string, MemoryEntry>> {
    const unique = [...new Set(keys)];
    const raw = await Promise.all(unique.map((k) => this.store.get(this.entryKey(k))));
    const hits = new Map<string, Cached>();
    raw.forEach((value, i) => {
      if (value) hits.set(unique[i]!, JSON.parse(value) as Cached);
    });
    const markers = new Map<string, number>();
    const markerNames = new Set<string>();
    for (const { entry } of hits.values()) {
      markerNames.add(this.markerKey(entry.accountId));
      if (entry.glossaryId) markerNames.add(this.markerKey(entry.accountId, entry.glossaryId));
    }
    await Promise.all(
      [...markerNames].map(async (name) => {
        const v = await this.store.get(name);
        if (v) markers.set(name, Number(v));
      }),
    );
    const out = new Map<string, MemoryEntry>();
    const stale: string[] = [];
    for (const [key, cached] of hits) {
      const purgedAt = Math.max(
        markers.get(this.markerKey(cached.entry.accountId)) ?? 0,
        cached.entry.glossaryId
          ? (markers.get(this.markerKey(cached.entry.accountId, cached.entry.glossaryId)) ?? 0)
          : 0,
      );
      if (cached.cachedAt <= purgedAt) {
        stale.push(key);
        continue;
      }
      const createdAt = cached.entry.createdAt;
      out.set(key, { ...cached.entry, ...(createdAt ? { createdAt: new Date(createdAt) } : {}) });
    }
    await Promise.all(stale.map((k) => this.store.del(this.entryKey(k))));
    const misses = unique.filter((k) => !out.has(k));
    if (misses.length > 0) {
      const found = await this.inner.getMany(misses);
      for (const [key, entry] of found) out.set(key, entry);
      await this.cache([...found.values()]);
    }
    return out;
  }

  private async cache(entries: readonly MemoryEntry[]): Promise<void> {
    const cachedAt = Date.now();
    await Promise.all(
      entries.map((entry) =>
        this.store.set(
          this.entryKey(entry.key),
          JSON.stringify({ entry, cachedAt } satisfies Cached),
          this.ttl * 1000,
        ),
      ),
    );
  }

  async putMany(entries: readonly MemoryEntry[]): Promise<void> {
    await this.inner.putMany(entries);
    await this.cache(entries);
  }

  async purge(filter: { accountId: string; glossaryId?: string }): Promise<number> {
    await this.store.set(
      this.markerKey(filter.accountId, filter.glossaryId),
      String(Date.now()),
      this.ttl * 1000,
    );
    return this.inner.purge(filter);
  }

  list(accountId: string): AsyncIterable<MemoryEntry> {
    return this.inner.list(accountId);
  }

  async close(): Promise<void> {
    await this.inner.close();
  }
}

/** The cache on an ioredis client (or cluster). */
export class RedisCachedTranslationMemory extends CachedTranslationMemory {
  constructor(
    inner: TranslationMemory,
    redis: Redis | Cluster,
    options: RedisCachedMemoryOptions = {},
  ) {
    super(
      inner,
      {
        get: (key) => redis.get(key),
        set: async (key, value, ttlMs) => {
          await redis.set(key, value, 'PX', ttlMs);
        },
        del: async (key) => {
          await redis.del(key);
        },
      },
      options,
    );
  }
}
