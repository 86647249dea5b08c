import { readFileSync } from 'node:fs';
import pg from 'pg';
import {
  createDataSource,
  MIGRATIONS_TABLE,
  assertIdentifier,
  type DatabaseSsl,
  type MigrationClass,
} from './data-source.js';
import { MIGRATIONS, type MigrationRegistry } from './migrations/registry.js';

export interface SchemaStatus {
  schema: string;
  /** Migrations recorded in the database, in the order they ran. */
  applied: string[];
  /** Known to this code, not yet run. */
  pending: string[];
  /** Run on the database by a newer version of Docat: this code does not know them. */
  unknown: string[];
  /** Latest migration timestamp recorded by whichever version last migrated the schema. */
  recordedVersion: number | null;
  /** Latest migration timestamp this code knows. */
  codeVersion: number;
}

/** The database was migrated by a newer (or different) Docat than this one. */
export class SchemaVersionError extends Error {
  constructor(
    message: string,
    readonly statuses: SchemaStatus[],
  ) {
    super(message);
    this.name = 'SchemaVersionError';
  }
}

export interface MigrateOptions {
  /** Schemas and their migrations; the committed registry unless a test supplies another. */
  registry?: MigrationRegistry;
  /** Recorded beside the schema version; the package version by default. */
  appVersion?: string;
  ssl?: DatabaseSsl;
  log?: (line: string) => void;
}

export function migrationName(migration: MigrationClass): string {
  return new migration().name ?? migration.name;
}

/** TypeORM's rule: a migration's name ends with its 13-digit millisecond timestamp. */
export function migrationTimestamp(name: string): number {
  const match = /(\d{13})$/.exec(name);
  if (!match) throw new RangeError(`migration ${name} does not end with a 13-digit timestamp`);
  return Number(match[1]);
}

function packageVersion(): string {
  try {
    const manifest = JSON.parse(
      readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
    ) as {
      version?: unknown;
    };
    return typeof manifest.version === 'string' ? manifest.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

async function readStatus(
  client: pg.ClientBase,
  schema: string,
  migrations: readonly MigrationClass[],
): Promise<SchemaStatus> {
  assertIdentifier(schema);
  const known = migrations.map(migrationName);
  const codeVersion = known.reduce((max, name) => Math.max(max, migrationTimestamp(name)), 0);
  const tables = await client.query<{ migrations: string | null; version: string | null }>(
    'SELECT to_regclass($1) AS migrations, to_regclass($2) AS version',
    [`"${schema}"."${MIGRATIONS_TABLE}"`, `"${schema}"."docat_schema_version"`],
  );
  let applied: string[] = [];
  if (tables.rows[0]?.migrations) {
    const rows = await client.query<{ name: string }>(
      `SELECT name FROM "${schema}"."${MIGRATIONS_TABLE}" ORDER BY id`,
    );
    applied = rows.rows.map((r) => r.name);
  }
  let recordedVersion: number | null = null;
  if (tables.rows[0]?.version) {
    const rows = await client.query<{ version: string }>(
      `SELECT version FROM "${schema}"."docat_schema_version"`,
    );
    recordedVersion = rows.rows[0] ? Number(rows.rows[0].version) : null;
  }
  const appliedSet = new Set(applied);
  const knownSet = new Set(known);
  return {
    schema,
    applied,
    pending: known.filter((name) => !appliedSet.has(name)),
    unknown: applied.filter((name) => !knownSet.has(name)),
    recordedVersion,
    codeVersion,
  };
}

function newerThanCode(status: SchemaStatus): boolean {
  return (
    status.unknown.length > 0 ||
    (status.recordedVersion !== null && status.recordedVersion > status.codeVersion)
  );
}

function newerError(statuses: SchemaStatus[]): SchemaVersionError {
  const detail = statuses
    .filter(newerThanCode)
    .map((s) =>
      s.unknown.length > 0
        ? `schema "${s.schema}" has migrations this version does not know: ${s.unknown.join(', ')}`
        : `schema "${s.schema}" was migrated to version ${s.recordedVersion}, this code knows up to ${s.codeVersion}`,
    )
    .join('; ');
  return new SchemaVersionError(
    `The database was migrated by a newer version of Docat (${detail}). Run that version, or restore a backup taken before the upgrade.`,
    statuses,
  );
}

async function withClient<T>(
  url: string,
  ssl: MigrateOptions['ssl'],
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url, ...(ssl !== undefined ? { ssl } : {}) });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Reads every schema's migration state without changing anything. */
export async function schemaStatuses(
  url: string,
  opts: Pick<MigrateOptions, 'registry' | 'ssl'> = {},
): Promise<SchemaStatus[]> {
  const registry = opts.registry ?? MIGRATIONS;
  return withClient(url, opts.ssl, async (client) => {
    const statuses: SchemaStatus[] = [];
    for (const [schema, migrations] of Object.entries(registry))
      statuses.push(await readStatus(client, schema, migrations));
    return statuses;
  });
}

/**
 * The check a service runs at start: refuses a database migrated by a newer version,
 * and (unless `allowPending`) one that still needs `npm run migrate`.
 */
export async function assertSchemasCurrent(
  url: string,
  opts: Pick<MigrateOptions, 'registry' | 'ssl'> & { allowPending?: boolean } = {},
): Promise<SchemaStatus[]> {
  const statuses = await schemaStatuses(url, opts);
  if (statuses.some(newerThanCode)) throw newerError(statuses);
  const behind = statuses.filter((s) => s.pending.length > 0);
  if (behind.length > 0 && !opts.allowPending) {
    throw new SchemaVersionError(
      `The database needs migrating (${behind.map((s) => `"${s.schema}": ${s.pending.length} pending`).join(', ')}): run npm run migrate.`,
      statuses,
    );
  }
  return statuses;
}

/** Serializes concurrent migrators (replicas starting together, a migration Job). */
const MIGRATION_LOCK = "hashtext('docat.migrations')";

/**
 * Runs every schema's pending migrations, each in its own transaction, and records the
 * schema version. Refuses, before changing anything, a database that any schema shows
 * was migrated by a newer version. Idempotent: a second run finds nothing to do.
 */
export async function runAllMigrations(
  url: string,
  opts: MigrateOptions = {},
): Promise<SchemaStatus[]> {
  const registry = opts.registry ?? MIGRATIONS;
  const appVersion = opts.appVersion ?? packageVersion();
  const log = opts.log ?? (() => undefined);
  return withClient(url, opts.ssl, async (lock) => {
    await lock.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK})`);
    try {
      const before: SchemaStatus[] = [];
      for (const [schema, migrations] of Object.entries(registry))
        before.push(await readStatus(lock, schema, migrations));
      if (before.some(newerThanCode)) throw newerError(before);

      for (const [schema, migrations] of Object.entries(registry)) {
        const dataSource = createDataSource({
          url,
          schema,
          entities: [],
          migrations: [...migrations],
          poolMax: 1,
          applicationName: 'docat-migrate',
          ...(opts.ssl !== undefined ? { ssl: opts.ssl } : {}),
        });
        await dataSource.initialize();
        try {
          const ran = await dataSource.runMigrations({ transaction: 'each' });
          for (const m of ran) log(`${schema}: ran ${m.name}`);
        } finally {
          await dataSource.destroy();
        }
        const names = migrations.map(migrationName);
        const latest = names[names.length - 1];
        if (latest) {
          await lock.query(
            `INSERT INTO "${schema}"."docat_schema_version" (id, version, migration, app_version, migrated_at)
             VALUES (true, $1, $2, $3, now())
             ON CONFLICT (id) DO UPDATE
               SET version = EXCLUDED.version, migration = EXCLUDED.migration,
                   app_version = EXCLUDED.app_version, migrated_at = EXCLUDED.migrated_at`,
            [migrationTimestamp(latest), latest, appVersion],
          );
        }
      }
      const after: SchemaStatus[] = [];
      for (const [schema, migrations] of Object.entries(registry))
        after.push(await readStatus(lock, schema, migrations));
      return after;
    } finally {
      // The lock is also released when this session ends; the migration's own outcome is what counts.
      await lock.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`).catch(() => undefined);
    }
  });
}
