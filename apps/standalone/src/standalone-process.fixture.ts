import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { repoRoot } from '@docat/testing';
import { EMBEDDED_DATABASE_NAME, embeddedDatabaseDir } from './database-location.js';

/** One `node apps/standalone/dist/main.js` child on a data folder, as `npm start` runs it. */
export interface StandaloneProcess {
  readonly child: ChildProcess;
  readonly base: string;
  output(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        address && typeof address === 'object'
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

export function spawnStandalone(
  dataDir: string,
  port: number,
  env: Record<string, string> = {},
): StandaloneProcess {
  const child = spawn(
    process.execPath,
    [join(repoRoot(), 'apps', 'standalone', 'dist', 'main.js')],
    {
      cwd: repoRoot(),
      env: {
        ...process.env,
        DOCAT_MODE: 'standalone',
        DOCAT_DATA_DIR: dataDir,
        PORT: String(port),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { child, base: `http://127.0.0.1:${port}`, output: () => output, exited };
}

/**
 * Polls `/readyz` until 200; answers the milliseconds from the call. The first start runs
 * initdb, which takes a few seconds alone and much longer beside a busy test run.
 */
export async function waitReady(proc: StandaloneProcess, timeoutMs = 150_000): Promise<number> {
  const started = performance.now();
  let exitCode: number | null | undefined;
  void proc.exited.then((code) => (exitCode = code));
  while (performance.now() - started < timeoutMs) {
    if (exitCode !== undefined)
      throw new Error(
        `the standalone process exited (${exitCode}) before it was ready:\n${proc.output().slice(-3000)}`,
      );
    try {
      const res = await fetch(`${proc.base}/readyz`);
      if (res.status === 200) return Math.round(performance.now() - started);
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not ready after ${timeoutMs} ms:\n${proc.output().slice(-3000)}`);
}

/** SIGTERM and wait; SIGKILL if it does not stop in time. */
export async function stopStandalone(
  proc: StandaloneProcess,
  timeoutMs = 20_000,
): Promise<number | null> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return proc.exited;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), timeoutMs);
  try {
    return await proc.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** The PID of the embedded PostgreSQL running on a data folder, if one runs. */
export async function postgresPid(dataDir: string): Promise<number | null> {
  try {
    const pidFile = join(embeddedDatabaseDir(dataDir), 'pgdata', 'postmaster.pid');
    const pid = Number.parseInt((await readFile(pidFile, 'utf8')).split('\n')[0] ?? '', 10);
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

/** The embedded database's connection string, from what the data folder holds while it runs. */
export async function embeddedDatabaseUrl(dataDir: string): Promise<string> {
  const dir = embeddedDatabaseDir(dataDir);
  const lines = (await readFile(join(dir, 'pgdata', 'postmaster.pid'), 'utf8')).split('\n');
  const state = JSON.parse(await readFile(join(dir, 'embedded-postgres.json'), 'utf8')) as {
    user: string;
    password: string;
  };
  const credentials = `${encodeURIComponent(state.user)}:${encodeURIComponent(state.password)}`;
  return `postgres://${credentials}@127.0.0.1:${lines[3]?.trim()}/${EMBEDDED_DATABASE_NAME}`;
}

export function freshEmail(): string {
  return `standalone-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}@example.com`;
}
