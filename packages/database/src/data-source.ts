import type { ConnectionOptions, TlsOptions } from 'node:tls';
import { DataSource, type DataSourceOptions, type MigrationInterface } from 'typeorm';

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
  /** Read replicas; TypeORM sends reads (`find`, query builders in `slave` mode) there. */
  replicaUrls?: string[];
  ssl?: DatabaseSsl;
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

  constructor(options: DataSourceOptions, schemaName: string) {
    super(options);
    this.schemaName = assertIdentifier(schemaName);
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
 * TypeORM 1 on `pg` for one service schema. Never synchronizes: the schema changes only
 * through committed migrations. Unqualified names in raw SQL resolve to the service's
 * schema first (`search_path = <schema>, public`).
 */
export function createDataSource(opts: CreateDataSourceOptions): SchemaDataSource {
  const schema = assertIdentifier(opts.schema);
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
    extra: { options: `-c search_path=${schema},public` },
    // TypeORM hands `ssl` to pg unchanged; its own type names the server-side TlsOptions.
    ...(opts.ssl !== undefined ? { ssl: opts.ssl as boolean | TlsOptions } : {}),
  };
  const options: DataSourceOptions =
    opts.replicaUrls && opts.replicaUrls.length > 0
      ? {
          ...common,
          replication: {
            master: { url: opts.url },
            slaves: opts.replicaUrls.map((url) => ({ url })),
          },
        }
      : { ...common, url: opts.url };
  return new SchemaDataSource(options, schema);
}
