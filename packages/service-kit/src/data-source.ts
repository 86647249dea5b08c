import type { DataSource } from 'typeorm';
import { assertSchemasCurrent, createDataSource, runAllMigrations, type EntityClass as DbEntityClass } from '@docat/database';
import type { EntityClass, MigrationClass } from './runtime.js';

export interface OpenDataSourceOptions {
  url: string;
  schema: string;
  entities: EntityClass[];
  migrations: readonly MigrationClass[];
  poolMax?: number;
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
  if (opts.migrate) await runAllMigrations(opts.url, { registry });
  else await assertSchemasCurrent(opts.url, { registry });
  const source = createDataSource({
    url: opts.url,
    schema: opts.schema,
    entities: opts.entities as unknown as DbEntityClass[],
    migrations: [...opts.migrations],
    ...(opts.poolMax ? { poolMax: opts.poolMax } : {}),
    applicationName: `docat-${opts.schema}`,
  });
  await source.initialize();
  return source;
}
