/**
 * Starts an embedded database from `DOCAT_FIXTURE_DATA_DIR`, writes a row, reports the
 * postgres PID on stdout and waits to be killed: the crash test's stand-in for a
 * standalone Docat process.
 */
import pg from 'pg';
import { EmbeddedDatabase } from './embedded-database.js';
import { readPostmasterPid } from './postmaster.js';

const dataDir = process.env.DOCAT_FIXTURE_DATA_DIR;
if (!dataDir) throw new Error('DOCAT_FIXTURE_DATA_DIR is required');

const db = new EmbeddedDatabase({ dataDir });
const url = await db.start();
const client = new pg.Client({ connectionString: url });
await client.connect();
await client.query('CREATE TABLE IF NOT EXISTS crash_probe (n int)');
await client.query('INSERT INTO crash_probe VALUES (42)');
await client.end();
const postmaster = await readPostmasterPid(db.pgData);
process.stdout.write(`ready ${postmaster?.pid ?? 0}\n`);
setInterval(() => undefined, 60_000);
