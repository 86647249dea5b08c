import type { ServiceName } from '@docat/contracts';
import { BullMqQueue } from '@docat/queue';
import { RedisRateLimiter as RedisRequestLimiter } from '@docat/translate';
import { Redis } from 'ioredis';
import { RedisStreamsClient, RedisStreamsServer, createBusClient } from '@docat/transport';
import { assembleRuntime } from './assemble-runtime.js';
import { RedisCache } from './cache/redis.cache.js';
import { openDataSource } from './data-source.js';
import { RedisEventLog } from './event-log/redis.event-log.js';
import type { ObjectStorage } from './ports.js';
import { RedisRateLimiter } from './rate-limit/redis.rate-limiter.js';
import type { Runtime } from './runtime.js';
import type { RuntimeConfig } from './settings.js';

export interface ClusterRuntimeOptions {
  storage: ObjectStorage;
  /** Transport tuning: how long a dead replica's pending request waits before it is claimed. */
  claimIdleMs?: number;
  /**
   * Run each schema's pending migrations when its data source opens (default false:
   * `npm run migrate` runs first, as a deployment's migration job, and a service only
   * checks that its schema is current).
   */
  migrate?: boolean;
}

/**
 * Cluster mode: Redis Streams transport, BullMQ queues, Redis cache, rate limiter and
 * event logs, PostgreSQL, S3-compatible storage. Every Redis key lives under the
 * configured key prefix.
 */
export async function createClusterRuntime<C extends RuntimeConfig>(config: C, opts: ClusterRuntimeOptions): Promise<Runtime<C>> {
  const redisUrl = config.redis.url;
  const databaseUrl = config.database.url;
  if (!redisUrl) throw new Error('cluster mode needs REDIS_URL');
  const cacheUrl = config.redis.cacheUrl ?? redisUrl;
  const prefix = config.redis.keyPrefix;

  const client = new RedisStreamsClient({ url: redisUrl, prefix });
  const queue = new BullMqQueue({ redis: redisUrl, keyPrefix: `${prefix}:q` });
  const cache = new RedisCache(cacheUrl, prefix);
  const rateLimiter = new RedisRateLimiter(cacheUrl, prefix);
  // Engine admission lives on the cache Redis too: losing it costs only limits, never work.
  const limiterRedis = new Redis(cacheUrl, { maxRetriesPerRequest: 2, connectionName: `${prefix}:request-limiter` });
  limiterRedis.on('error', () => undefined);
  const requestLimiter = new RedisRequestLimiter(limiterRedis, { prefix: `${prefix}:limit:` });
  const eventLog = new RedisEventLog(redisUrl, prefix, { connectionName: `${prefix}:event-log` });

  return assembleRuntime({
    config,
    bus: createBusClient(client),
    queue,
    storage: opts.storage,
    cache,
    rateLimiter,
    requestLimiter,
    eventLog,
    transportStrategy: (service: ServiceName) =>
      new RedisStreamsServer({
        url: redisUrl,
        prefix,
        service,
        ...(opts.claimIdleMs ? { claimIdleMs: opts.claimIdleMs } : {}),
      }),
    openDataSource: (schema, entities, migrations) => {
      if (!databaseUrl) return Promise.reject(new Error('cluster mode needs DATABASE_URL'));
      return openDataSource({ url: databaseUrl, schema, entities, migrations, poolMax: config.database.poolMax, migrate: opts.migrate ?? false });
    },
    // The request limiter's connection is this runtime's own (its close() leaves it open).
    closers: [
      async () => {
        await limiterRedis.quit().catch(() => limiterRedis.disconnect());
      },
    ],
    checks: {
      redis: () => cache.ping(),
    },
  });
}
