import type { Cluster, Redis } from 'ioredis';
import type { MemoryEntry, TranslationMemory } from './translation-memory.js';

export interface RedisCachedMemoryOptions {
  prefix?: string;
  ttlSeconds?: number;
}

interface Cached {
  entry: MemoryEntry;
  cachedAt: number;
}

/**
 * Read-through, write-through Redis cache in front of a durable memory. Works on Redis
 * Cluster: every command touches one key. A purge writes a marker per account (and per
 * glossary); cached entries older than the marker are ignored and dropped, so purged
 * translations never come back from the cache.
 */
export class RedisCachedTranslationMemory implements TranslationMemory {
  private readonly prefix: string;
  private readonly ttl: number;

  constructor(
    private readonly inner: TranslationMemory,
    private readonly redis: Redis | Cluster,
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
    const raw = await Promise.all(unique.map((k) => this.redis.get(this.entryKey(k))));
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
    await Promise.all([...markerNames].map(async (name) => {
      const v = await this.redis.get(name);
      if (v) markers.set(name, Number(v));
    }));
    const out = new Map<string, MemoryEntry>();
    const stale: string[] = [];
    for (const [key, cached] of hits) {
      const purgedAt = Math.max(
        markers.get(this.markerKey(cached.entry.accountId)) ?? 0,
        cached.entry.glossaryId ? (markers.get(this.markerKey(cached.entry.accountId, cached.entry.glossaryId)) ?? 0) : 0,
      );
      if (cached.cachedAt <= purgedAt) {
        stale.push(key);
        continue;
      }
      const createdAt = cached.entry.createdAt;
      out.set(key, { ...cached.entry, ...(createdAt ? { createdAt: new Date(createdAt) } : {}) });
    }
    await Promise.all(stale.map((k) => this.redis.del(this.entryKey(k))));
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
    await Promise.all(entries.map((entry) => this.redis.set(this.entryKey(entry.key), JSON.stringify({ entry, cachedAt } satisfies Cached), 'EX', this.ttl)));
  }

  async putMany(entries: readonly MemoryEntry[]): Promise<void> {
    await this.inner.putMany(entries);
    await this.cache(entries);
  }

  async purge(filter: { accountId: string; glossaryId?: string }): Promise<number> {
    await this.redis.set(this.markerKey(filter.accountId, filter.glossaryId), String(Date.now()), 'EX', this.ttl);
    return this.inner.purge(filter);
  }

  list(accountId: string): AsyncIterable<MemoryEntry> {
    return this.inner.list(accountId);
  }

  async close(): Promise<void> {
    await this.inner.close();
  }
}
