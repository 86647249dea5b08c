import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  canStartPostgres,
  isCi,
  startPostgres,
  waitUntil,
  type PostgresInstance,
} from '@docat/testing';
import { z } from 'zod';
import { queryReplica } from './connection-url.js';
import { createDataSource, type SchemaDataSource } from './data-source.js';

const available = canStartPostgres();
if (!available && isCi())
  throw new Error(
    'PostgreSQL server binaries (initdb, pg_basebackup) are missing (CI=true: failing instead of skipping)',
  );

describe(
  'read replica (TypeORM replication on a streaming replica)',
  { skip: available ? false : 'PostgreSQL server binaries are missing' },
  () => {
    let primary: PostgresInstance;
    let replica: PostgresInstance;
    let source: SchemaDataSource;

    before(async () => {
      const started = performance.now();
      primary = await startPostgres();
      replica = await startPostgres({ replicaOf: primary });
      source = createDataSource({
        url: primary.url(),
        replicaUrls: [replica.url()],
        schema: 'replica_test',
        entities: [],
        migrations: [],
      });
      await source.initialize();
      console.log(
        `primary and streaming replica (pg_basebackup -R) started in ${Math.round(performance.now() - started)} ms`,
      );
    });

    after(async () => {
      await source?.destroy();
      await replica?.stop();
      await primary?.stop();
    });

    test('queries go to the primary by default and to the replica when they ask for it', async () => {
      const [onPrimary] = (await source.query(
        'SELECT inet_server_port() AS port, pg_is_in_recovery() AS recovery',
      )) as { port: number; recovery: boolean }[];
      assert.deepEqual(onPrimary, { port: primary.port, recovery: false });
      const [onReplica] = await queryReplica(
        source,
        'server',
        z.object({ port: z.number(), recovery: z.boolean() }),
        'SELECT inet_server_port() AS port, pg_is_in_recovery() AS recovery',
      );
      assert.deepEqual(onReplica, { port: replica.port, recovery: true });
      // The primary's own pg pool, recorded as TypeORM created it, is the primary's.
      const pool = source.primaryPool();
      assert.ok(pool, 'no primary pool recorded');
      const { rows } = await pool.query<{ port: number }>('SELECT inet_server_port() AS port');
      assert.deepEqual(rows, [{ port: primary.port }]);
    });

    test('?pgbouncer=true drops the startup options a transaction pooler refuses', async () => {
      const direct = createDataSource({
        url: primary.url(),
        schema: 'replica_test',
        entities: [],
        migrations: [],
      });
      const pooled = createDataSource({
        url: primary.url('postgres', 'pgbouncer=true'),
        schema: 'replica_test',
        entities: [],
        migrations: [],
      });
      await direct.initialize();
      await pooled.initialize();
      try {
        const path = async (ds: SchemaDataSource) =>
          ((await ds.query('SHOW search_path')) as { search_path: string }[])[0]?.search_path;
        assert.equal(await path(direct), 'replica_test,public');
        assert.equal(await path(pooled), '"$user", public');
      } finally {
        await direct.destroy();
        await pooled.destroy();
      }
    });

    test('a write on the primary is read back from the replica once streamed', async () => {
      await source.query(
        'CREATE TABLE replica_test.jobs (id int PRIMARY KEY, state text NOT NULL)',
      );
      await source.query(`INSERT INTO replica_test.jobs VALUES (1, 'queued'), (2, 'completed')`);
      await waitUntil(
        async () =>
          (
            await queryReplica(
              source,
              'replica_test.jobs',
              z.object({ n: z.number() }),
              'SELECT count(*)::int AS n FROM replica_test.jobs',
            )
          )[0]?.n === 2,
        10_000,
        'the rows to reach the replica',
      );
      // The replica is read-only: a write sent to it fails, so nothing can write there by mistake.
      await assert.rejects(
        queryReplica(
          source,
          'replica_test.jobs',
          z.unknown(),
          `INSERT INTO replica_test.jobs VALUES (3, 'x')`,
        ),
        /read-only transaction/,
      );
    });
  },
);
