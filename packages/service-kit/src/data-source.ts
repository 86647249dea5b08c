import type { DataSource } from 'typeorm';
import { watchDatabasePool } from '@docat/observability';
import {
  assertSchemasCurrent,
  createDataSource,
  runAllMigrations,
  withSslRootCert,
  type EntityClass as DbEntityClass,
} from '@docat/database';
import type { EntityClass, MigrationClass } from './runtime.js';

export interface OpenDataSourceOptions {
  url: string;
  schema: string;
  entities: EntityClass[];
  migrations: readonly MigrationClass[];
  poolMax?: number;
  /** Read replicas (DATABASE_REPLICA_URLS); queries opt in to them. */
  replicaUrls?: readonly string[];
  /** PostgreSQL itself for the migration check and lock, when `url` goes through PgBouncer. */
  directUrl?: string;
  /** CA of the server certificates (DATABASE_SSL_CA_FILE). */
  sslCaFile?: string;
  /**
   * Apply the schema's pending migrations first (serialised across processes by the
   * migrator's advisory lock). Otherwise the schema must already be current: a
   * database migrated by a newer version, or one still needing `npm run migrate`, is
   * refused before the service starts.
   */
  migrate: boolean;
}

/** A data source on one service schema, after the version guard (or the migrations) ran. */
export async function openDataSource(opts: OpenDataSourceOptions): Promise<DataSource> {
  const registry = { [opts.schema]: opts.migrations };
  const migrationUrl = withSslRootCert(opts.directUrl ?? opts.url, opts.sslCaFile);
  if (opts.migrate) await runAllMigrations(migrationUrl, { registry });
  else await assertSchemasCurrent(migrationUrl, { registry });
  const source = createDataSource({
    url: opts.url,
    ...(opts.replicaUrls && opts.replicaUrls.length > 0 ? { replicaUrls: opts.replicaUrls } : {}),
    ...(opts.sslCaFile ? { sslCaFile: opts.sslCaFile } : {}),
    schema: opts.schema,
    entities: opts.entities as unknown as DbEntityClass[],
    migrations: [...opts.migrations],
    ...(opts.poolMax ? { poolMax: opts.poolMax } : {}),
    applicationName: `docat-${opts.schema}`,
  });
  await source.initialize();
  // node-postgres's Pool of the primary; a destroyed source drops out of /metrics.
  watchDatabasePool(opts.schema, () => source.primaryPool());
  return source;
}
