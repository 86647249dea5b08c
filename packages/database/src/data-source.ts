import type { ConnectionOptions, TlsOptions } from 'node:tls';
import pg from 'pg';
import { DataSource, type DataSourceOptions, type MigrationInterface } from 'typeorm';
import { withSslRootCert } from './connection-url.js';

/** TLS for the `pg` driver: `true`, or node's TLS connection options (CA, client cert, servername). */
export type DatabaseSsl = boolean | ConnectionOptions;

export type MigrationClass = new () => MigrationInterface;
// TypeORM takes entity classes of any shape.
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type EntityClass = Function;

export interface CreateDataSourceOptions {
  url: string;
  /** The owning service's schema; created if absent when the data source initializes. */
  schema: string;
  entities: EntityClass[];
  migrations: MigrationClass[];
  poolMax?: number;
  /**
   * Read replicas. Queries go to the primary unless they ask for a replica
   * (`createQueryRunner('slave')`, `queryReplica`), so nothing reads its own write stale.
   */
  replicaUrls?: readonly string[];
  ssl?: DatabaseSsl;
  /** CA of the server certificates (`DATABASE_SSL_CA_FILE`), added to every URL; see withSslRootCert. */
  sslCaFile?: string;
  applicationName?: string;
}

/** Where each schema records its executed migrations: `<schema>.docat_migrations`. */
export const MIGRATIONS_TABLE = 'docat_migrations';

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export function assertIdentifier(name: string): string {
  if (!IDENTIFIER.test(name))
    throw new RangeError(`not a plain lower-case SQL identifier: ${name}`);
  return name;
}

/**
 * A TypeORM data source that creates its schema (`CREATE SCHEMA IF NOT EXISTS`) right
 * after connecting, before anything else runs, so migrations and the migrations table
 * always have a home.
 */
export class SchemaDataSource extends DataSource {
  readonly schemaName: string;

  constructor(
    options: DataSourceOptions,
    schemaName: string,
    private readonly pools: PoolRegistry = new PoolRegistry(),
  ) {
    super(options);
    this.schemaName = assertIdentifier(schemaName);
  }

  /**
   * The node-postgres pool of the primary, once initialized: for its statistics (metrics)
   * and for code written against `pg` itself. Recorded as TypeORM creates it (through the
   * `driver` option), so nothing reads TypeORM's driver internals.
   */
  primaryPool(): pg.Pool | undefined {
    return this.isInitialized ? this.pools.primary : undefined;
  }

  override async initialize(): Promise<this> {
    await super.initialize();
    try {
      await this.query(`CREATE SCHEMA IF NOT EXISTS "${this.schemaName}"`);
    } catch (err) {
      // Two processes may race to create it; the loser finds it there.
      const exists: { found: boolean }[] = await this.query(
        'SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS found',
        [this.schemaName],
      );
      if (!exists[0]?.found) throw err;
    }
    return this;
  }
}

/**
 * Hands TypeORM the `pg` module with a Pool that records each pool it creates, and which
 * of them is the primary's (the one opened with the primary's connection string).
 */
class PoolRegistry {
  primary: pg.Pool | undefined;

  driverFor(primaryUrl: string): typeof pg {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the Pool subclass reports to this registry
    const registry = this;
    class RecordingPool extends pg.Pool {
      constructor(config?: pg.PoolConfig) {
        super(config);
        if (config?.connectionString === primaryUrl) registry.primary = this;
      }
    }
    return Object.create(pg, { Pool: { value: RecordingPool } }) as typeof pg;
  }
}

/**
 * `?pgbouncer=true` in a connection string marks a transaction-pooling PgBouncer (as in
 * Prisma): the flag is removed and the session is not configured through startup
 * options. Under transaction pooling a session holds no state between transactions, so
 * nothing may rely on session advisory locks, LISTEN/NOTIFY, SET without LOCAL or named
 * prepared statements (node-postgres uses unnamed ones); migrations take a session lock
 * and connect directly (DATABASE_DIRECT_URL).
 */
export function throughTransactionPooler(url: string): { url: string; viaPooler: boolean } {
  const parsed = new URL(url);
  const flag = parsed.searchParams.get('pgbouncer');
  if (flag === null) return { url, viaPooler: false };
  parsed.searchParams.delete('pgbouncer');
  return { url: parsed.toString(), viaPooler: flag === 'true' || flag === '1' };
}

/**
 * TypeORM 1 on `pg` for one service schema. Never synchronizes: the schema changes only
 * through committed migrations. Unqualified names in raw SQL resolve to the service's
 * schema first (`search_path = <schema>, public`).
 */
export function createDataSource(opts: CreateDataSourceOptions): SchemaDataSource {
  const schema = assertIdentifier(opts.schema);
  const pooled = throughTransactionPooler(opts.url);
  const common = {
    type: 'postgres' as const,
    schema,
    entities: opts.entities,
    migrations: opts.migrations,
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsTransactionMode: 'each' as const,
    migrationsRun: false,
    synchronize: false,
    poolSize: opts.poolMax ?? 10,
    applicationName: opts.applicationName ?? `docat-${schema}`,
    // A transaction pooler refuses (or drops) startup options and cannot keep a session
    // search_path; Docat's SQL names its schema everywhere, so the path is a convenience.
    ...(pooled.viaPooler ? {} : { extra: { options: `-c search_path=${schema},public` } }),
    // TypeORM hands `ssl` to pg unchanged; its own type names the server-side TlsOptions.
    ...(opts.ssl !== undefined ? { ssl: opts.ssl as boolean | TlsOptions } : {}),
  };
  const url = withSslRootCert(pooled.url, opts.sslCaFile);
  const pools = new PoolRegistry();
  const options: DataSourceOptions =
    opts.replicaUrls && opts.replicaUrls.length > 0
      ? {
          ...common,
          driver: pools.driverFor(url),
          replication: {
            master: { url },
            slaves: opts.replicaUrls.map((replica) => ({
              url: withSslRootCert(throughTransactionPooler(replica).url, opts.sslCaFile),
            })),
            // TypeORM would send every entity read to a replica; reads opt in instead.
            defaultMode: 'master',
          },
        }
      : { ...common, driver: pools.driverFor(url), url };
  return new SchemaDataSource(options, schema, pools);
}
