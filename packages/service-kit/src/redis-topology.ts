import {
  createRedisConnection,
  type CreateRedisConnectionOptions,
  type RedisConnection,
  type RedisTopology,
} from '@docat/transport';
import type { RuntimeConfig } from './settings.js';

/**
 * The Redis of the transport and the queues, from the configuration: REDIS_URL, or the
 * Sentinel / Cluster topology. Undefined when no Redis is configured (standalone mode).
 */
export function mainRedisTopology(redis: RuntimeConfig['redis']): RedisTopology | undefined {
  const t = redis.topology;
  if (!t || t.kind === 'standalone') {
    if (!redis.url) return undefined;
    return { ...(t ?? {}), kind: 'standalone', url: redis.url };
  }
  return t;
}

/**
 * The Redis of the cache and rate limits: REDIS_CACHE_URL when it names another server
 * (with the same TLS files when it is `rediss://`), else the main topology.
 */
export function cacheRedisTopology(redis: RuntimeConfig['redis']): RedisTopology | undefined {
  const main = mainRedisTopology(redis);
  const cacheUrl = redis.cacheUrl;
  if (!cacheUrl || (main?.kind === 'standalone' && cacheUrl === main.url)) return main;
  const tls = cacheUrl.startsWith('rediss:') ? { tls: redis.topology?.tls ?? {} } : {};
  return { kind: 'standalone', url: cacheUrl, ...tls };
}

/** A connection whose errors surface on commands, not as unhandled `error` events. */
export function quietConnection(
  topology: RedisTopology,
  opts: CreateRedisConnectionOptions,
): RedisConnection {
  const conn = createRedisConnection(topology, opts);
  conn.on('error', () => undefined);
  return conn;
}
