import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { freshDatabase, type FreshDatabase } from '@docat/testing';
import { assertSchemasCurrent, runAllMigrations, SchemaVersionError } from './migrator.js';
import { createDataSource } from './data-source.js';
import { MIGRATIONS, SERVICE_SCHEMAS } from './migrations/registry.js';

class AuthFuture9999999999999 implements MigrationInterface {
  name = 'AuthFuture9999999999999';
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE TABLE "auth"."future_things" ("id" uuid PRIMARY KEY)');
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE "auth"."future_things"');
  }
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('migrations on PostgreSQL', () => {
  let db: FreshDatabase;
  before(async () => {
    db = await freshDatabase();
  });
  after(async () => {
    await db.drop();
  });

  test('a fresh database is reported as needing migration', async () => {
    await assert.rejects(assertSchemasCurrent(db.url), (err: unknown) => {
      assert.ok(err instanceof SchemaVersionError);
      assert.match(err.message, /npm run migrate/);
      return true;
    });
  });

  test('runAllMigrations creates every schema, runs its migrations and records the version', async () => {
    const ran: string[] = [];
    const statuses = await runAllMigrations(db.url, {
      appVersion: 'test-1',
      log: (l) => ran.push(l),
    });
    assert.equal(
      ran.length,
      SERVICE_SCHEMAS.reduce((n, schema) => n + MIGRATIONS[schema].length, 0),
    );
    for (const s of statuses) {
      assert.deepEqual(s.pending, []);
      assert.deepEqual(s.unknown, []);
      assert.equal(s.recordedVersion, s.codeVersion);
    }
    const schemas = await query<{ nspname: string }>(
      db.url,
      `SELECT nspname FROM pg_namespace WHERE nspname IN ('auth','ingestion','translation','notification') ORDER BY 1`,
    );
    assert.deepEqual(
      schemas.map((r) => r.nspname),
      ['auth', 'ingestion', 'notification', 'translation'],
    );
    const version = await query<{ app_version: string; migration: string }>(
      db.url,
      'SELECT app_version, migration FROM auth.docat_schema_version',
    );
    const lastAuth = MIGRATIONS.auth[MIGRATIONS.auth.length - 1]!;
    assert.deepEqual(version, [
      { app_version: 'test-1', migration: new lastAuth().name ?? lastAuth.name },
    ]);
    const tracked = await query<{ name: string }>(
      db.url,
      'SELECT name FROM ingestion.docat_migrations',
    );
    assert.deepEqual(
      tracked.map((r) => r.name),
      MIGRATIONS.ingestion.map((m) => new m().name ?? m.name),
    );
    await assertSchemasCurrent(db.url);
  });

  test('running the migrations again changes nothing', async () => {
    const ran: string[] = [];
    const statuses = await runAllMigrations(db.url, { log: (l) => ran.push(l) });
    assert.deepEqual(ran, []);
    assert.ok(
      statuses.every(
        (s) => s.applied.length === MIGRATIONS[s.schema as keyof typeof MIGRATIONS].length,
      ),
    );
  });

  test('a database migrated by a newer version is refused, before anything runs', async () => {
    const newer = { ...MIGRATIONS, auth: [...MIGRATIONS.auth, AuthFuture9999999999999] };
    await runAllMigrations(db.url, { registry: newer, appVersion: 'test-2' });
    const check = (err: unknown) => {
      assert.ok(err instanceof SchemaVersionError);
      assert.match(err.message, /newer version of Docat/);
      assert.match(err.message, /AuthFuture9999999999999/);
      return true;
    };
    await assert.rejects(runAllMigrations(db.url), check);
    await assert.rejects(assertSchemasCurrent(db.url), check);
    const version = await query<{ app_version: string }>(
      db.url,
      'SELECT app_version FROM auth.docat_schema_version',
    );
    assert.equal(version[0]?.app_version, 'test-2', 'the refused run recorded nothing');
  });

  test('createDataSource creates its schema, never synchronizes and resolves raw SQL in its schema', async () => {
    const ds = createDataSource({
      url: db.url,
      schema: 'scratch_space',
      entities: [],
      migrations: [],
    });
    assert.equal(ds.options.synchronize, false);
    await ds.initialize();
    try {
      await ds.query('CREATE TABLE probe (id int PRIMARY KEY)');
      const rows: { schema: string }[] = await ds.query(
        `SELECT table_schema AS schema FROM information_schema.tables WHERE table_name = 'probe'`,
      );
      assert.deepEqual(rows, [{ schema: 'scratch_space' }]);
    } finally {
      await ds.destroy();
    }
    assert.throws(
      () => createDataSource({ url: db.url, schema: 'Bad-Name', entities: [], migrations: [] }),
      RangeError,
    );
  });
});
