/** `npm run migrate`: runs every committed migration against `DATABASE_URL`. */
import { runAllMigrations, SchemaVersionError } from './migrator.js';

const url = process.env.DATABASE_URL;
if (!url) {
  process.stderr.write('DATABASE_URL is not set\n');
  process.exit(2);
}

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
