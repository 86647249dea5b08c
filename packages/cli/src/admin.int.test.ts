import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verify } from '@node-rs/argon2';
import pg from 'pg';
import {
  EMBEDDED_DATABASE_NAME,
  EmbeddedDatabase,
  embeddedDatabaseDir,
  LOCK_FILE,
  runAllMigrations,
} from '@docat/database';
import { DocatError } from '@docat/contracts';
import { freshDatabase, repoRoot, type FreshDatabase } from '@docat/testing';
import { createAdmin } from './commands/admin.js';

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The built `docat` as a user runs it, with `stdin` written to its standard input. */
function docat(
  args: string[],
  opts: { env?: Record<string, string>; stdin?: string } = {},
): Promise<CliRun> {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  const child = spawn(
    process.execPath,
    [join(repoRoot(), 'packages', 'cli', 'dist', 'main.js'), ...args],
    {
      cwd: repoRoot(),
      env: { ...env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdin.end(opts.stdin ?? '');
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

async function adminRow(
  url: string,
  email: string,
): Promise<
  { id: string; role: string; password_hash: string; email_verified_at: Date | null } | undefined
> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{
      id: string;
      role: string;
      password_hash: string;
      email_verified_at: Date | null;
    }>(`SELECT id, role, password_hash, email_verified_at FROM auth.users WHERE email = $1`, [
      email,
    ]);
    return rows[0];
  } finally {
    await client.end();
  }
}

describe('docat admin create', () => {
  let db: FreshDatabase;
  let dataDir: string;
  let holder: ChildProcess | undefined;

  before(async () => {
    db = await freshDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'docat-admin-cli-'));
    // The embedded PostgreSQL runs as its own user when started by root: it must reach the folder.
    await chmod(dataDir, 0o755);
  });

  after(async () => {
    holder?.kill();
    await db?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('against DATABASE_URL: refuses an unmigrated database, then creates, then promotes without touching the password', async () => {
    await assert.rejects(
      createAdmin({
        email: 'root@example.org',
        password: 'a-strong-password',
        databaseUrl: db.url,
      }),
      /npm run migrate/,
    );

    await runAllMigrations(db.url);
    const created = await docat(
      ['admin', 'create', '--email', 'Root@Example.org', '--password-stdin'],
      {
        env: { DATABASE_URL: db.url },
        stdin: 'a-strong-password\n',
      },
    );
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^created root@example\.org in postgres/m);
    assert.ok(!created.stdout.includes('a-strong-password'));
    const row = await adminRow(db.url, 'root@example.org');
    assert.equal(row?.role, 'admin');
    assert.ok(
      row.email_verified_at,
      'an administrator made by the operator needs no verification mail',
    );
    assert.ok(row.password_hash.startsWith('$argon2id$'));
    assert.equal(
      await verify(row.password_hash, 'a-strong-password'),
      true,
      'the trailing newline of stdin is not part of the password',
    );

    const again = await createAdmin({ email: 'root@example.org', databaseUrl: db.url });
    assert.equal(again.outcome, 'promoted');
    assert.equal(again.generatedPassword, undefined, 'no password is shown that was not set');
    assert.equal(
      await verify(
        (await adminRow(db.url, 'root@example.org'))!.password_hash,
        'a-strong-password',
      ),
      true,
    );

    // A given password replaces the old one: the way back in for a locked-out administrator.
    await createAdmin({
      email: 'root@example.org',
      password: 'another-strong-one',
      databaseUrl: db.url,
    });
    assert.equal(
      await verify(
        (await adminRow(db.url, 'root@example.org'))!.password_hash,
        'another-strong-one',
      ),
      true,
    );

    const codeOf = (error: unknown) => (error instanceof DocatError ? error.code : String(error));
    await assert.rejects(
      createAdmin({ email: 'x@example.org', password: 'short', databaseUrl: db.url }),
      (e) => codeOf(e) === 'VALIDATION_FAILED',
    );
    await assert.rejects(
      createAdmin({ email: 'not-an-email', databaseUrl: db.url }),
      (e) => codeOf(e) === 'VALIDATION_FAILED',
    );
  });

  test('against a standalone data folder: refused while a server holds the lock, then created with a generated password', async () => {
    // A live process other than this one holds the folder, as a running server would.
    holder = spawn('sleep', ['60'], { stdio: 'ignore' });
    await writeFile(join(dataDir, LOCK_FILE), `${holder.pid}\n`);
    const refused = await docat([
      'admin',
      'create',
      '--email',
      'admin@example.org',
      '--data-dir',
      dataDir,
    ]);
    assert.equal(refused.code, 3);
    assert.match(refused.stderr, /error FORBIDDEN: .*in use by another Docat process/);
    holder.kill();
    await new Promise((resolve) => holder!.once('exit', resolve));

    const created = await docat([
      'admin',
      'create',
      '--email',
      'admin@example.org',
      '--data-dir',
      dataDir,
    ]);
    assert.equal(created.code, 0, created.stderr);
    const generated = /password \(shown once\): (\S+)/.exec(created.stdout)?.[1];
    assert.ok(generated && generated.length >= 20);

    const database = new EmbeddedDatabase({ dataDir: embeddedDatabaseDir(dataDir) });
    await database.start();
    try {
      const url = await database.ensureDatabase(EMBEDDED_DATABASE_NAME);
      const row = await adminRow(url, 'admin@example.org');
      assert.equal(row?.role, 'admin');
      assert.equal(await verify(row.password_hash, generated), true);
    } finally {
      await database.stop();
    }
  });
});
