/**
 * `npm run migrate`: runs every committed migration against `DATABASE_DIRECT_URL`, else
 * `DATABASE_URL` (the migration lock is a session advisory lock, which a
 * transaction-pooling PgBouncer cannot hold), with `DATABASE_SSL_CA_FILE` if set.
 */
import { withSslRootCert } from './connection-url.js';
import { runAllMigrations, SchemaVersionError } from './migrator.js';

const given = process.env.DATABASE_DIRECT_URL || process.env.DATABASE_URL;
if (!given) {
  process.stderr.write('DATABASE_URL is not set\n');
  process.exit(2);
}
const url = withSslRootCert(given, process.env.DATABASE_SSL_CA_FILE || undefined);

try {
  const statuses = await runAllMigrations(url, {
    log: (line) => process.stdout.write(`${line}\n`),
  });
  for (const s of statuses) {
    process.stdout.write(
      `${s.schema}: ${s.applied.length} migrations applied, version ${s.codeVersion}\n`,
    );
  }
} catch (err) {
  process.stderr.write(`${err instanceof SchemaVersionError ? err.message : String(err)}\n`);
  process.exit(1);
}
