import type { CustomTransportStrategy } from '@nestjs/microservices';
import type { DataSource } from 'typeorm';
import type { QueueName, ServiceName } from '@docat/contracts';
import type { RateLimiter as RequestLimiter } from '@docat/request-limiter';
import type { CachePort } from './cache/cache.port.js';
import type { BusClient, ObjectStorage, QueuePort } from './ports.js';
import type { RateLimiterPort } from './rate-limit/rate-limiter.port.js';
import type { EventLogPort } from './event-log/event-log.port.js';
import type {
  EntityClass,
  MigrationClass,
  ReadinessCheck,
  ReadinessReport,
  Runtime,
} from './runtime.js';
import type { RuntimeConfig } from './settings.js';

export interface RuntimeParts<C extends RuntimeConfig> {
  config: C;
  bus: BusClient;
  queue: QueuePort;
  storage: ObjectStorage;
  cache: CachePort;
  rateLimiter: RateLimiterPort;
  requestLimiter: RequestLimiter;
  eventLog: EventLogPort;
  transportStrategy(service: ServiceName): CustomTransportStrategy;
  openDataSource(
    schema: string,
    entities: EntityClass[],
    migrations: MigrationClass[],
  ): Promise<DataSource>;
  checks?: Record<string, ReadinessCheck>;
  /** Run after the parts above are closed, in order (connections, child processes). */
  closers?: (() => Promise<void>)[];
}

const CHECK_TIMEOUT_MS = 2_000;

function withTimeout(check: ReadinessCheck): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timed out after ${CHECK_TIMEOUT_MS} ms`)),
      CHECK_TIMEOUT_MS,
    );
    check().then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/**
 * Builds a `Runtime` from adapters: one data source per schema, the queues modules work
 * on recorded for the boot check, readiness from the checks of what was actually used,
 * and a close that releases everything once.
 */
export function assembleRuntime<C extends RuntimeConfig>(parts: RuntimeParts<C>): Runtime<C> {
  const worked = new Set<QueueName>();
  const dataSources = new Map<string, Promise<DataSource>>();
  const checks = new Map<string, ReadinessCheck>(Object.entries(parts.checks ?? {}));
  checks.set('storage', () => parts.storage.ping());

  // Stopping twice (SIGTERM drain, then close) must not reach the adapter twice.
  let stopping: Promise<void> | undefined;
  const queue: QueuePort = {
    enqueue: (name, data, opts) => parts.queue.enqueue(name, data, opts),
    work: async (name, handler, opts) => {
      await parts.queue.work(name, handler, opts);
      worked.add(name);
    },
    depth: (name) => parts.queue.depth(name),
    isPending: (name, jobId) => parts.queue.isPending(name, jobId),
    workersAlive: (name) => parts.queue.workersAlive(name),
    throughput: (name, windowMs) => parts.queue.throughput(name, windowMs),
    failedJobs: (name, page) => parts.queue.failedJobs(name, page),
    retryFailed: (name, id) => parts.queue.retryFailed(name, id),
    removeFailed: (name, id) => parts.queue.removeFailed(name, id),
    stop: (opts) => (stopping ??= parts.queue.stop(opts)),
  };

  let closing: Promise<void> | undefined;
  return {
    config: parts.config,
    bus: parts.bus,
    queue,
    storage: parts.storage,
    cache: parts.cache,
    rateLimiter: parts.rateLimiter,
    requestLimiter: parts.requestLimiter,
    eventLog: parts.eventLog,
    transportStrategy: (service) => parts.transportStrategy(service),
    dataSourceFor(schema, entities, migrations) {
      let source = dataSources.get(schema);
      if (!source) {
        source = parts.openDataSource(schema, entities, migrations);
        dataSources.set(schema, source);
        source.catch(() => dataSources.delete(schema));
        checks.set(`database:${schema}`, async () => {
          await (await source!).query('SELECT 1');
        });
      }
      return source;
    },
    workedQueues: () => worked,
    addReadinessCheck(name, check) {
      checks.set(name, check);
    },
    async readiness(): Promise<ReadinessReport> {
      const entries = await Promise.all(
        [...checks].map(async ([name, check]) => {
          try {
            await withTimeout(check);
            return [name, 'ok'] as const;
          } catch (err) {
            return [name, err instanceof Error ? err.message : String(err)] as const;
          }
        }),
      );
      return {
        ready: entries.every(([, status]) => status === 'ok'),
        checks: Object.fromEntries(entries),
      };
    },
    close() {
      closing ??= (async () => {
        const errors: unknown[] = [];
        const attempt = async (fn: () => Promise<unknown>) => {
          try {
            await fn();
          } catch (err) {
            errors.push(err);
          }
        };
        await attempt(() => queue.stop({ graceMs: 0 }));
        await attempt(() => parts.bus.close());
        for (const source of dataSources.values()) {
          await attempt(async () => {
            const ds = await source;
            if (ds.isInitialized) await ds.destroy();
          });
        }
        await attempt(() => parts.cache.close());
        await attempt(() => parts.rateLimiter.close());
        await attempt(() => parts.requestLimiter.close());
        await attempt(() => parts.eventLog.close());
        for (const closer of parts.closers ?? []) await attempt(closer);
        if (errors.length > 0) throw new AggregateError(errors, 'runtime close failed');
      })();
      return closing;
    },
  };
}
