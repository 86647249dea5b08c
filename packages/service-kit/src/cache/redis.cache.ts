import { createRedisConnection, type RedisConnection, type RedisTopology } from '@docat/transport';
import type { CachePort } from './cache.port.js';

/**
 * Cache on Redis (`REDIS_CACHE_URL`, or the main topology: standalone, Sentinel or
 * Cluster); every key lives under `<prefix>:cache:`. Each command touches one key, so
 * no hash tag is needed on a cluster.
 */
export class RedisCache implements CachePort {
  private readonly redis: RedisConnection;

  /** `target`: a `redis://` URL or a topology; the cache opens and closes its own connection. */
  constructor(
    target: string | RedisTopology,
    private readonly prefix: string,
  ) {
    const topology: RedisTopology =
      typeof target === 'string' ? { kind: 'standalone', url: target } : target;
    this.redis = createRedisConnection(topology, {
      maxRetriesPerRequest: 2,
      connectionName: `${prefix}:cache`,
    });
    this.redis.on('error', () => undefined);
  }

  private key(key: string): string {
    return `${this.prefix}:cache:${key}`;
  }

  async get(key: string): Promise<string | null> {
    return this.redis.get(this.key(key));
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.key(key), value, 'PX', Math.max(1, Math.round(ttlMs)));
  }

  async del(key: string): Promise<void> {
    await this.redis.del(this.key(key));
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
