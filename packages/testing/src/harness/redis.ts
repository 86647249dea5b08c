import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export interface FreshRedisPrefix {
  url: string;
  /** Ends with ':'; every key a test creates must start with it. */
  prefix: string;
  /** Deletes every key under the prefix and nothing else. */
  cleanup(): Promise<void>;
}

export function redisUrl(): string {
  return process.env.REDIS_URL || DEFAULT_REDIS_URL;
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** Deletes keys matching `prefix*` with SCAN (never KEYS, which blocks the server). */
export async function deleteKeysWithPrefix(url: string, prefix: string): Promise<number> {
  if (!prefix) throw new Error('refusing to delete keys with an empty prefix');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(
        cursor,
        'MATCH',
        `${escapeGlob(prefix)}*`,
        'COUNT',
        500,
      );
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
  return deleted;
}

/** `REDIS_URL` plus a key prefix no other test run uses. */
export function freshRedisPrefix(): FreshRedisPrefix {
  const url = redisUrl();
  const prefix = `docat-test:${Date.now().toString(36)}${randomBytes(4).toString('hex')}:`;
  return {
    url,
    prefix,
    cleanup: async () => {
      await deleteKeysWithPrefix(url, prefix);
    },
  };
}
