import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { canStartPostgres, startPostgres, type PostgresInstance } from '@docat/testing';
import { isCi } from '@docat/testing';
import { withSslRootCert } from './connection-url.js';
import { createDataSource } from './data-source.js';
import { runAllMigrations } from './migrator.js';

const available = canStartPostgres();
if (!available && isCi())
  throw new Error(
    'PostgreSQL server binaries (initdb, postgres) are missing (CI=true: failing instead of skipping)',
  );

async function sslInUse(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ ssl: boolean }>(
      'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
    );
    return rows[0]?.ssl === true;
  } finally {
    await client.end();
  }
}

describe(
  'PostgreSQL over TLS with sslmode=verify-full',
  { skip: available ? false : 'PostgreSQL server binaries are missing' },
  () => {
    let server: PostgresInstance;

    before(async () => {
      const started = performance.now();
      server = await startPostgres({ tls: true });
      console.log(`TLS PostgreSQL started in ${Math.round(performance.now() - started)} ms`);
    });

    after(async () => {
      await server?.stop();
    });

    test('the data source and the migrator connect with DATABASE_SSL_CA_FILE and verify-full', async () => {
      const url = withSslRootCert(
        server.url('postgres', 'sslmode=verify-full'),
        server.tls!.caFile,
      );
      assert.match(url, /sslrootcert=/);
      const statuses = await runAllMigrations(url);
      assert.ok(statuses.length >= 3, 'every service schema migrated');
      assert.ok(statuses.every((s) => s.pending.length === 0));
      const source = createDataSource({
        url: server.url(),
        sslCaFile: server.tls!.caFile,
        schema: 'ingestion',
        entities: [],
        migrations: [],
      });
      await source.initialize();
      try {
        const rows = (await source.query(
          'SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
        )) as { ssl: boolean; version: string }[];
        assert.equal(rows[0]?.ssl, true);
        assert.match(rows[0]?.version ?? '', /^TLSv1\.[23]$/);
        const tables = (await source.query(
          `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'ingestion'`,
        )) as { n: number }[];
        assert.ok((tables[0]?.n ?? 0) > 0, 'the migrations created the ingestion tables');
      } finally {
        await source.destroy();
      }
    });

    test('PGSSLROOTCERT-style sslrootcert in the URL works the same', async () => {
      assert.equal(
        await sslInUse(
          server.url(
            'postgres',
            `sslmode=verify-full&sslrootcert=${encodeURIComponent(server.tls!.caFile)}`,
          ),
        ),
        true,
      );
    });

    test('a server certificate from another CA is refused', async () => {
      const url = withSslRootCert(
        server.url('postgres', 'sslmode=verify-full'),
        server.tls!.otherCaFile,
      );
      await assert.rejects(sslInUse(url), /self[- ]signed|unable to (get|verify)|certificate/i);
      const source = createDataSource({
        url: server.url(),
        sslCaFile: server.tls!.otherCaFile,
        schema: 'ingestion',
        entities: [],
        migrations: [],
      });
      await assert.rejects(
        source.initialize(),
        /self[- ]signed|unable to (get|verify)|certificate/i,
      );
    });

    test('a host name the certificate does not name is refused under verify-full', async () => {
      // The server listens on 127.0.0.2 too; its certificate names 127.0.0.1 and localhost.
      const wrongHost = withSslRootCert(
        server.url('postgres', 'sslmode=verify-full', '127.0.0.2'),
        server.tls!.caFile,
      );
      await assert.rejects(sslInUse(wrongHost), (err: NodeJS.ErrnoException) => {
        assert.equal(err.code, 'ERR_TLS_CERT_ALTNAME_INVALID', String(err));
        return true;
      });
      const right = withSslRootCert(
        server.url('postgres', 'sslmode=verify-full', '127.0.0.1'),
        server.tls!.caFile,
      );
      assert.equal(await sslInUse(right), true);
    });
  },
);
