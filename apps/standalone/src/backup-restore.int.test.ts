import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { TERMINAL_STATES, type JobView, type TokenPair } from '@docat/contracts';
import {
  EMBEDDED_DATABASE_NAME,
  EmbeddedDatabase,
  MIGRATIONS,
  createDataSource,
  embeddedDatabaseDir,
  migrationName,
  migrationTimestamp,
  schemaStatuses,
} from '@docat/database';
import { repoRoot } from '@docat/testing';
import {
  embeddedDatabaseUrl,
  freePort,
  freshEmail,
  postgresPid,
  spawnStandalone,
  stopStandalone,
  waitReady,
  type StandaloneProcess,
} from './standalone-process.fixture.js';

interface CliRun {
  code: number | null;
  output: string;
}

/** `docat <args>` from the built CLI, as a user runs it. */
function docat(...args: string[]): Promise<CliRun> {
  const child = spawn(
    process.execPath,
    [join(repoRoot(), 'packages', 'cli', 'dist', 'main.js'), ...args],
    { cwd: repoRoot(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

async function call<T>(
  base: string,
  method: string,
  path: string,
  init: { token?: string; json?: unknown; form?: FormData } = {},
): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let body: string | FormData | undefined = init.form;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  }
  const res = await fetch(base + path, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  const type = res.headers.get('content-type') ?? '';
  return {
    status: res.status,
    body: (type.includes('json') ? await res.json() : await res.text()) as T,
  };
}

describe('docat backup / restore of a standalone data folder, and the upgrade path', () => {
  let root: string;
  const started: StandaloneProcess[] = [];
  let token: string;
  let jobId: string;
  let markdown: string;
  let archive: string;

  const start = async (dataDir: string): Promise<StandaloneProcess> => {
    const proc = spawnStandalone(dataDir, await freePort());
    started.push(proc);
    await waitReady(proc);
    return proc;
  };

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'docat-backup-'));
    // When the suite runs as root, the embedded PostgreSQL runs as `postgres` and must reach the folders.
    await chmod(root, 0o755);
    archive = join(root, 'docat-backup.tar.gz');
  });

  after(async () => {
    for (const proc of started) {
      if (proc.child.exitCode === null && proc.child.signalCode === null)
        proc.child.kill('SIGKILL');
      await proc.exited;
    }
    for (const dir of ['original', 'restored']) {
      const orphan = await postgresPid(join(root, dir));
      if (orphan !== null) process.kill(orphan, 'SIGINT');
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    await rm(root, { recursive: true, force: true });
  });

  test('a backup is refused while the server runs, and taken once it stopped', async () => {
    const dataDir = join(root, 'original');
    const server = await start(dataDir);
    const email = freshEmail();
    const password = 'backup-password-1';
    await call(server.base, 'POST', '/v1/auth/register', { json: { email, password } });
    const login = await call<TokenPair>(server.base, 'POST', '/v1/auth/login', {
      json: { email, password },
    });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    token = login.body.accessToken;
    const form = new FormData();
    form.append('targetLanguage', 'de');
    form.append('outputs', 'md,txt');
    form.append(
      'file',
      new Blob([await readFile(join(repoRoot(), 'examples', 'sample.pdf'))], {
        type: 'application/pdf',
      }),
      'sample.pdf',
    );
    const upload = await call<JobView>(server.base, 'POST', '/v1/documents', { token, form });
    assert.equal(upload.status, 202, JSON.stringify(upload.body));
    jobId = upload.body.id;
    let job = upload.body;
    for (let i = 0; i < 600 && !TERMINAL_STATES.has(job.state); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      job = (await call<JobView>(server.base, 'GET', `/v1/jobs/${jobId}`, { token })).body;
    }
    assert.equal(job.state, 'completed', JSON.stringify(job.error));
    markdown = (
      await call<string>(server.base, 'GET', `/v1/jobs/${jobId}/result?format=md`, { token })
    ).body;

    const refused = await docat('backup', archive, '--data-dir', dataDir);
    assert.equal(refused.code, 3, refused.output);
    assert.match(refused.output, /error FORBIDDEN: .*in use by another Docat process \(pid \d+\)/);
    await assert.rejects(stat(archive), { code: 'ENOENT' });

    assert.equal(await stopStandalone(server), 0);
    const t0 = Date.now();
    const backup = await docat('backup', archive, '--data-dir', dataDir);
    assert.equal(backup.code, 0, backup.output);
    console.log(`backup took ${Date.now() - t0} ms: ${backup.output.trim()}`);
    assert.match(backup.output, /schemas auth@\d+, ingestion@\d+, .*notification@\d+/);
    await assert.rejects(
      readFile(join(dataDir, 'docat.lock')),
      { code: 'ENOENT' },
      'the lock is released',
    );
    const listing = spawnSync('tar', ['-tzf', archive], { encoding: 'utf8' });
    const entries = listing.stdout.split('\n');
    assert.equal(entries[0], 'docat-backup.json', 'the manifest comes first');
    assert.ok(
      entries.some((e) => e.startsWith('database/pgdata/')),
      'the database is in the archive',
    );
    assert.ok(!entries.some((e) => e.endsWith('docat.lock') || e.endsWith('postmaster.pid')));
  });

  test('restore into a new folder: the server starts on it, the job and its result are there, the old token works', async () => {
    const dataDir = join(root, 'restored');
    const restore = await docat('restore', archive, '--data-dir', dataDir);
    assert.equal(restore.code, 0, restore.output);
    const again = await docat('restore', archive, '--data-dir', dataDir);
    assert.equal(again.code, 3, again.output);
    assert.match(again.output, /is not empty .*--force/);

    const server = await start(dataDir);
    const job = await call<JobView>(server.base, 'GET', `/v1/jobs/${jobId}`, { token });
    assert.equal(
      job.status,
      200,
      `a token issued before the backup is valid: ${JSON.stringify(job.body)}`,
    );
    assert.equal(job.body.state, 'completed');
    const md = await call<string>(server.base, 'GET', `/v1/jobs/${jobId}/result?format=md`, {
      token,
    });
    assert.equal(md.status, 200);
    assert.equal(md.body, markdown);
    assert.equal(await stopStandalone(server), 0);

    const forced = await docat('restore', archive, '--data-dir', dataDir, '--force');
    assert.equal(forced.code, 0, forced.output);
  });

  test('an archive made by a newer Docat is refused, and the folder is left alone', async () => {
    const staging = join(root, 'newer');
    await mkdir(staging);
    await writeFile(
      join(staging, 'docat-backup.json'),
      JSON.stringify({
        format: 'docat-backup/1',
        docatVersion: '99.0.0',
        createdAt: new Date().toISOString(),
        schemas: {},
      }),
    );
    const newer = join(root, 'newer.tar.gz');
    assert.equal(spawnSync('tar', ['-czf', newer, '-C', staging, 'docat-backup.json']).status, 0);
    const target = join(root, 'untouched');
    const refused = await docat('restore', newer, '--data-dir', target);
    assert.equal(refused.code, 3, refused.output);
    assert.match(refused.output, /made by Docat 99\.0\.0, newer than this/);
    await assert.rejects(stat(target), { code: 'ENOENT' });
  });

  test('upgrade: a folder that predates a migration of this version is migrated at start', async () => {
    // Rewind the restored folder to the state an older Docat left: its notification schema
    // one migration behind (the event log), recorded as such.
    const dataDir = join(root, 'restored');
    const latest = MIGRATIONS.notification.at(-1)!;
    const previous = MIGRATIONS.notification.at(-2)!;
    const database = new EmbeddedDatabase({ dataDir: embeddedDatabaseDir(dataDir) });
    await database.start();
    try {
      const rewound = await database.ensureDatabase(EMBEDDED_DATABASE_NAME);
      const source = createDataSource({
        url: rewound,
        schema: 'notification',
        entities: [],
        migrations: [...MIGRATIONS.notification],
        poolMax: 1,
      });
      await source.initialize();
      try {
        await source.undoLastMigration();
      } finally {
        await source.destroy();
      }
      const client = new pg.Client({ connectionString: rewound });
      await client.connect();
      try {
        const name = migrationName(previous);
        await client.query(
          'UPDATE notification.docat_schema_version SET version = $1, migration = $2, app_version = $3',
          [migrationTimestamp(name), name, '0.0.1'],
        );
      } finally {
        await client.end();
      }
      const [before] = (await schemaStatuses(rewound)).filter((s) => s.schema === 'notification');
      assert.deepEqual(
        before!.pending,
        [migrationName(latest)],
        'the folder is one migration behind',
      );
    } finally {
      await database.stop();
    }

    const upgraded = await start(dataDir);
    try {
      const [after] = (await schemaStatuses(await embeddedDatabaseUrl(dataDir))).filter(
        (s) => s.schema === 'notification',
      );
      assert.deepEqual(after!.pending, [], 'the missing migration ran at start');
      assert.match(
        upgraded.output(),
        new RegExp(`migrated notification: ran ${migrationName(latest)}`),
      );
      assert.equal(after!.recordedVersion, after!.codeVersion);
      const job = await call<JobView>(upgraded.base, 'GET', `/v1/jobs/${jobId}`, { token });
      assert.equal(job.body.state, 'completed', 'the data survived the upgrade');
    } finally {
      assert.equal(await stopStandalone(upgraded), 0);
    }
  });
});
