import pg from 'pg';
import { QUEUES, type ServiceName } from '@docat/contracts';
import { PgBossQueue } from '@docat/queue';
import { MemoryRateLimiter as MemoryRequestLimiter } from '@docat/request-limiter';
import { MIGRATIONS, MIGRATIONS_TABLE } from '@docat/database';
import { createStorage } from '@docat/storage';
import { InProcessBus, InProcessClient, InProcessServer, createBusClient } from '@docat/transport';
import { assembleRuntime } from './assemble-runtime.js';
import { MemoryCache } from './cache/memory.cache.js';
import { openDataSource } from './data-source.js';
import { PostgresEventLog } from './event-log/postgres.event-log.js';
import type { ObjectStorage } from './ports.js';
import { MemoryRateLimiter } from './rate-limit/memory.rate-limiter.js';
import type { MigrationClass, Runtime } from './runtime.js';
import type { RuntimeConfig } from './settings.js';

export interface StandaloneRuntimeOptions {
  /** The embedded PostgreSQL (or any PostgreSQL this process owns alone). */
  databaseUrl: string;
  /** Default: `createStorage(config)`, the filesystem under the data folder. */
  storage?: ObjectStorage;
  /** pg-boss's schema; default `docat_queue`. */
  queueSchema?: string;
  /** Default job lease until a worker sets its own per queue. */
  queueLockMs?: number;
  /**
   * Put every `active` queue job back before any worker starts. Only correct while the
   * caller holds the data-folder lock: then any job active at boot was orphaned by a
   * process that died (default true).
   */
  recoverActiveJobs?: boolean;
  /** Run after everything else is closed (the embedded database, the data-folder lock). */
  closers?: (() => Promise<void>)[];
}

export interface StandaloneRuntime<C extends RuntimeConfig> extends Runtime<C> {
  /** How many orphaned queue jobs were put back at boot. */
  readonly recoveredJobs: number;
}

/**
 * Thrown when the data folder holds migrations this code does not know: it was used by
 * a newer version, and running older code on it could corrupt it.
 */
export class NewerDataError extends Error {
  constructor(
    readonly schema: string,
    readonly unknownMigrations: readonly string[],
  ) {
    super(
      `the data was migrated by a newer version of Docat (schema "${schema}" has migrations this version does not know: ${unknownMigrations.join(', ')}); run that version or restore a backup`,
    );
    this.name = 'NewerDataError';
  }
}

function migrationName(migration: MigrationClass): string {
  const instance = new migration();
  return instance.name ?? migration.name;
}

/** Refuses a schema that has applied migrations the given list does not contain. */
export async function assertNoNewerMigrations(url: string, schema: string, migrations: MigrationClass[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const table = MIGRATIONS_TABLE;
    const exists = await client.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [`"${schema}"."${table}"`]);
    if (!exists.rows[0]?.present) return;
    const applied = await client.query<{ name: string }>(`SELECT name FROM "${schema}"."${table}"`);
    const known = new Set(migrations.map(migrationName));
    const unknown = applied.rows.map((row) => row.name).filter((name) => !known.has(name));
    if (unknown.length > 0) throw new NewerDataError(schema, unknown);
  } finally {
    await client.end();
  }
}

/**
 * Standalone mode: every service in one process on one in-process bus, pg-boss queues
 * on the process's own PostgreSQL, in-memory cache and rate limiter, event logs in the
 * `notification` schema (so a restart loses no job event), filesystem storage. Migrations run when each schema's data source opens, after a
 * check that the data was not migrated by a newer version.
 */
export async function createStandaloneRuntime<C extends RuntimeConfig>(config: C, opts: StandaloneRuntimeOptions): Promise<StandaloneRuntime<C>> {
  const bus = new InProcessBus({ name: 'standalone' });
  const storage = opts.storage ?? createStorage(config);
  const queue = new PgBossQueue({
    connectionString: opts.databaseUrl,
    ...(opts.queueSchema ? { schema: opts.queueSchema } : {}),
    ...(opts.queueLockMs ? { lockMs: opts.queueLockMs } : {}),
    poolMax: Math.min(config.database.poolMax, 10),
  });
  let recoveredJobs = 0;
  try {
    await queue.start();
    if (opts.recoverActiveJobs ?? true) recoveredJobs = await queue.recoverActive();
  } catch (err) {
    // Start-up already failed with `err`, rethrown below; a failure while unwinding would hide it.
    await queue.stop({ graceMs: 0 }).catch(() => undefined);
    throw err;
  }
  const cache = new MemoryCache();
  // The event log opens its schema through the runtime it is part of, on first use.
  const assembled: { runtime?: Runtime<C> } = {};
  const eventLog = new PostgresEventLog(() =>
    assembled.runtime
      ? assembled.runtime.dataSourceFor('notification', [], [...MIGRATIONS.notification])
      : Promise.reject(new Error('runtime not assembled')),
  );

  const runtime = assembleRuntime({
    config,
    bus: createBusClient(new InProcessClient(bus)),
    queue,
    storage,
    cache,
    rateLimiter: new MemoryRateLimiter(),
    requestLimiter: new MemoryRequestLimiter(),
    eventLog,
    transportStrategy: (service: ServiceName) => new InProcessServer(bus, { service }),
    openDataSource: async (schema, entities, migrations) => {
      await assertNoNewerMigrations(opts.databaseUrl, schema, migrations);
      return openDataSource({ url: opts.databaseUrl, schema, entities, migrations, poolMax: Math.min(config.database.poolMax, 5), migrate: true });
    },
    checks: {
      queue: async () => {
        await queue.depth(QUEUES.EXTRACT);
      },
    },
    ...(opts.closers ? { closers: opts.closers } : {}),
  });
  assembled.runtime = runtime;
  return Object.assign(runtime, { recoveredJobs });
}
