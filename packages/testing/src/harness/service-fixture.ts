import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freshDatabase, type FreshDatabase } from './database.js';
import { freshRedisPrefix, type FreshRedisPrefix } from './redis.js';
import { startS3Server, type S3TestServer } from './s3-server.js';
import { serviceEnv } from './service-env.js';

/** What a fixture stops at the end: a service booted in the test's process (`RunningService`). */
export interface Stoppable {
  shutdown(reason: string): Promise<void>;
}

export interface ServiceFixture {
  /** A database of its own, dropped at the end. */
  db: FreshDatabase;
  /** A Redis key prefix of its own, emptied at the end. */
  redis: FreshRedisPrefix;
  /** The S3-compatible test server with an empty bucket, stopped at the end. */
  s3: S3TestServer;
  /** A temporary data folder (`DOCAT_DATA_DIR`), deleted at the end. */
  dataDir: string;
  /** A client connected to `db`, for checks on the tables. */
  sql: pg.Client;
  /**
   * The configuration environment over this fixture's stores, for `loadConfig`: `cluster`
   * (Redis Streams, BullMQ, the S3 server) or `standalone` (in-process transport, pg-boss on
   * `db`, the S3 server). Layers override it in order.
   */
  env(mode: 'cluster' | 'standalone', ...layers: Readonly<Record<string, string>>[]): Record<string, string>;
  /** Registers a service the test booted; `close` shuts services down newest first. */
  own<T extends Stoppable>(service: T): T;
  /** Shuts the owned services down, then drops the database, Redis keys, bucket and folder. */
  close(): Promise<void>;
}

/**
 * One fixture for tests that boot services in their own process: a fresh database, a
 * Redis prefix, the S3 test server and a data folder, with the environment that points a
 * service stack at them and the teardown that undoes it all. The test boots the services
 * it needs (`bootstrapService` from `@docat/service-kit`, which this package cannot import
 * since service-kit's own tests use it) and hands them to `own`.
 */
export async function serviceFixture(opts: { logLevel?: string } = {}): Promise<ServiceFixture> {
  const redis = freshRedisPrefix();
  const db = await freshDatabase();
  const undo: (() => Promise<unknown>)[] = [() => db.drop(), () => redis.cleanup()];
  const services: Stoppable[] = [];
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      const failures: unknown[] = [];
      for (const service of services.reverse())
        await service.shutdown('test end').catch((err: unknown) => failures.push(err));
      for (const step of undo.reverse()) await step().catch((err: unknown) => failures.push(err));
      if (failures.length > 0) throw new AggregateError(failures, 'the service fixture did not close cleanly');
    })());
  try {
    const s3 = await startS3Server();
    undo.push(() => s3.stop());
    const dataDir = await mkdtemp(join(tmpdir(), 'docat-services-'));
    undo.push(() => rm(dataDir, { recursive: true, force: true }));
    const sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    undo.push(() => sql.end());
    return {
      db,
      redis,
      s3,
      dataDir,
      sql,
      env: (mode, ...layers) =>
        serviceEnv(
          { mode, dataDir, logLevel: opts.logLevel ?? 'warn', storage: s3, ...(mode === 'cluster' ? { databaseUrl: db.url, redis } : {}) },
          mode === 'standalone' ? { DATABASE_URL: db.url } : {},
          ...layers,
        ),
      own: (service) => {
        services.push(service);
        return service;
      },
      close,
    };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}
