import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { DataDirInUseError, EmbeddedDatabase } from './embedded-database.js';
import { isAlive, readPostmasterPid } from './postmaster.js';

async function sql<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

describe('EmbeddedDatabase', () => {
  let root: string;
  const started: EmbeddedDatabase[] = [];
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'docat-embedded-'));
    // Run as root, postgres runs as the postgres user and must reach the data folder.
    await chmod(root, 0o755);
  });
  after(async () => {
    for (const db of started) await db.stop().catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  });

  test('starts, keeps data across stop and start, and serves a created database', async () => {
    const dataDir = join(root, 'restart');
    const first = new EmbeddedDatabase({ dataDir });
    started.push(first);
    const url = await first.start();
    const rows = await sql<{ v: string }>(url, 'SELECT current_setting($$server_version$$) AS v');
    assert.match(rows[0]!.v, /^15\./);
    await sql(url, 'CREATE TABLE kept (n int)');
    await sql(url, 'INSERT INTO kept VALUES (7)');
    const appUrl = await first.ensureDatabase('docat');
    await sql(appUrl, 'CREATE TABLE app_probe (n int)');
    await first.stop();
    await assert.rejects(sql(url, 'SELECT 1'), 'stopped means nothing listens');

    const second = new EmbeddedDatabase({ dataDir });
    started.push(second);
    const again = await second.start();
    assert.deepEqual(await sql(again, 'SELECT n FROM kept'), [{ n: 7 }]);
    assert.equal(await second.ensureDatabase('docat'), second.url('docat'));
    assert.deepEqual(await sql(second.url('docat'), 'SELECT count(*)::int AS c FROM app_probe'), [
      { c: 0 },
    ]);
    await second.stop();
  });

  test('after SIGKILL of its Node process, the next start takes the folder back', async () => {
    const dataDir = join(root, 'crash');
    const fixture = fileURLToPath(new URL('./embedded-database.fixture.js', import.meta.url));
    const child = spawn(process.execPath, [fixture], {
      env: { ...process.env, DOCAT_FIXTURE_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let orphan: number;
    try {
      orphan = await new Promise<number>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /ready (\d+)/.exec(out);
          if (match) resolve(Number(match[1]));
        });
        child.once('exit', (code) => reject(new Error(`fixture exited with ${code}`)));
      });
      // While its owner lives, the folder is refused.
      await assert.rejects(new EmbeddedDatabase({ dataDir }).start(), DataDirInUseError);
      child.kill('SIGKILL');
      await exited;
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    assert.ok(orphan > 0 && isAlive(orphan), 'the postgres child outlives its killed parent');

    const next = new EmbeddedDatabase({ dataDir });
    started.push(next);
    const url = await next.start();
    assert.equal(isAlive(orphan), false, 'the orphan was shut down');
    const now = await readPostmasterPid(next.pgData);
    assert.notEqual(now?.pid, orphan);
    assert.deepEqual(await sql(url, 'SELECT n FROM crash_probe'), [{ n: 42 }]);
    await next.stop();
  });
});
