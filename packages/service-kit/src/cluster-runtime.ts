import type { ServiceName } from '@docat/contracts';
import { BullMqQueue } from '@docat/queue';
import { RedisRateLimiter as RedisRequestLimiter } from '@docat/request-limiter';
import { watchRedisMemory } from '@docat/observability';
import {
  RedisStreamsClient,
  RedisStreamsServer,
  createBusClient,
  createRedisConnection,
} from '@docat/transport';
import { cacheRedisTopology, mainRedisTopology, quietConnection } from './redis-topology.js';
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
export async function createClusterRuntime<C extends RuntimeConfig>(
  config: C,
  opts: ClusterRuntimeOptions,
): Promise<Runtime<C>> {
  // One topology (REDIS_URL, Sentinel or Cluster, with or without TLS) for every client.
  const topology = mainRedisTopology(config.redis);
  const databaseUrl = config.database.url;
  if (!topology)
    throw new Error('cluster mode needs REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES');
  const cacheTopology = cacheRedisTopology(config.redis) ?? topology;
  const prefix = config.redis.keyPrefix;

  const client = new RedisStreamsClient({ topology, prefix });
  // BullMQ blocks on its connections: they must never give up a command.
  const queue = new BullMqQueue({
    redis: () =>
      createRedisConnection(topology, {
        maxRetriesPerRequest: null,
        connectionName: `${prefix}:queue`,
      }),
    keyPrefix: `${prefix}:q`,
  });
  const cache = new RedisCache(cacheTopology, prefix);
  const rateLimiter = new RedisRateLimiter(cacheTopology, prefix);
  // Engine admission lives on the cache Redis too: losing it costs only limits, never work.
  const limiterRedis = quietConnection(cacheTopology, {
    maxRetriesPerRequest: 2,
    connectionName: `${prefix}:request-limiter`,
  });
  const requestLimiter = new RedisRequestLimiter(limiterRedis, { prefix: `${prefix}:limit:` });
  const eventLogRedis = quietConnection(topology, {
    maxRetriesPerRequest: 2,
    connectionName: `${prefix}:event-log`,
  });
  const eventLog = new RedisEventLog(eventLogRedis, prefix, {
    connectionName: `${prefix}:event-log`,
  });
  // Redis memory at scrape time, read through the limiter's connection (this runtime's
  // own): the cache Redis, which is the main one unless a separate cache Redis is set.
  const separateCache = JSON.stringify(cacheTopology) !== JSON.stringify(topology);
  const unwatchRedis = watchRedisMemory(separateCache ? 'cache' : 'main', () =>
    limiterRedis.info('memory'),
  );

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
        topology,
        prefix,
        service,
        ...(opts.claimIdleMs ? { claimIdleMs: opts.claimIdleMs } : {}),
      }),
    openDataSource: (schema, entities, migrations) => {
      if (!databaseUrl) return Promise.reject(new Error('cluster mode needs DATABASE_URL'));
      const { replicaUrls, directUrl, sslCaFile } = config.database;
      return openDataSource({
        url: databaseUrl,
        schema,
        entities,
        migrations,
        poolMax: config.database.poolMax,
        migrate: opts.migrate ?? false,
        ...(replicaUrls && replicaUrls.length > 0 ? { replicaUrls } : {}),
        ...(directUrl ? { directUrl } : {}),
        ...(sslCaFile ? { sslCaFile } : {}),
      });
    },
    // The request limiter's connection is this runtime's own (its close() leaves it open).
    closers: [
      async () => {
        unwatchRedis();
        await limiterRedis.quit().catch(() => limiterRedis.disconnect());
        await eventLogRedis.quit().catch(() => eventLogRedis.disconnect());
      },
    ],
    checks: {
      redis: () => cache.ping(),
    },
  });
}
