import { Redis } from 'ioredis';
import type { CachePort } from './cache.port.js';

/** Cache on Redis (`REDIS_CACHE_URL`); every key lives under `<prefix>:cache:`. */
export class RedisCache implements CachePort {
  private readonly redis: Redis;

  constructor(url: string, private readonly prefix: string) {
    this.redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2 });
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
