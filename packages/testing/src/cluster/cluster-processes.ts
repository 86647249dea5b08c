import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { repoRoot } from '../paths.js';

export const CLUSTER_APPS = ['auth', 'ingestion', 'notification', 'translation', 'extraction', 'gateway'] as const;
export type ClusterApp = (typeof CLUSTER_APPS)[number];

/** What a test needs to find, watch or kill one service process. */
export interface ProcessInfo {
  app: ClusterApp;
  replica: number;
  pid: number;
  managementPort: number;
  /** Public HTTP port (gateway only). */
  httpPort?: number;
  logFile: string;
}

export interface RunningProcess extends ProcessInfo {
  child: ChildProcess;
  exited: Promise<number | null>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export function appEntry(app: ClusterApp, launcher?: Launcher): string {
  return join(launcher?.root?.(app) ?? repoRoot(), 'apps', app, 'dist', 'main.js');
}

/**
 * Where a process's output goes: appended to `<logDir>/<name>.log`, or, with `onLine`,
 * handed over line by line (the log file is then not written).
 */
export interface OutputOptions {
  onLine?: (line: string) => void;
  /** How to run a script (default: this process's Node on the repository's build). */
  launcher?: Launcher;
}

/**
 * How a service is started: which executable runs a script, with which arguments before
 * it, and from which installed tree. The production-start test uses it to run each app
 * from a pruned, read-only install as an unprivileged user.
 */
export interface Launcher {
  /** The folder holding `apps/` and `packages/` with their `dist/` (default: the repository). */
  root?: (app: ClusterApp | 'migrate') => string;
  /** Program and leading arguments; the script path is appended (default: `process.execPath`). */
  command?: (script: string) => { file: string; args: string[] };
}

export interface SpawnOptions extends OutputOptions {
  /** Fixed ports instead of free ones (`port` is the gateway's public port). */
  port?: number;
  managementPort?: number;
}

function forwardLines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
  stream.on('end', () => {
    if (rest) onLine(rest);
    rest = '';
  });
}

/** Runs `node <script>` with its output sent where `opts` says; answers the child and its exit. */
function spawnNode(script: string, env: NodeJS.ProcessEnv, logFile: string, opts: OutputOptions): { child: ChildProcess; exited: Promise<number | null> } {
  let child: ChildProcess;
  const { file, args } = opts.launcher?.command?.(script) ?? { file: process.execPath, args: [script] };
  if (opts.onLine) {
    child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    forwardLines(child.stdout, opts.onLine);
    forwardLines(child.stderr, opts.onLine);
  } else {
    const fd = openSync(logFile, 'a');
    child = spawn(file, args, { env, stdio: ['ignore', fd, fd] });
    closeSync(fd);
  }
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(-1));
    child.once('exit', (code) => resolve(code));
  });
  return { child, exited };
}

/** Starts one service from its built `dist/main.js`, stdout and stderr appended to its log file. */
export async function spawnService(app: ClusterApp, replica: number, env: NodeJS.ProcessEnv, logDir: string, opts: SpawnOptions = {}): Promise<RunningProcess> {
  const managementPort = opts.managementPort ?? (await freePort());
  const httpPort = app === 'gateway' ? (opts.port ?? (await freePort())) : undefined;
  const logFile = join(logDir, `${app}-${replica}.log`);
  const { child, exited } = spawnNode(appEntry(app, opts.launcher), { ...env, MANAGEMENT_PORT: String(managementPort), ...(httpPort ? { PORT: String(httpPort) } : {}) }, logFile, opts);
  if (child.pid === undefined) throw new Error(`could not start ${app}`);
  return { app, replica, pid: child.pid, managementPort, ...(httpPort ? { httpPort } : {}), logFile, child, exited };
}

/**
 * `npm run migrate` against the cluster's database (the database package's migrator,
 * as a deployment's migration job runs it), output appended to `migrate.log`.
 */
export async function runMigrations(env: NodeJS.ProcessEnv, logDir: string, opts: OutputOptions = {}): Promise<void> {
  const logFile = join(logDir, 'migrate.log');
  const root = opts.launcher?.root?.('migrate') ?? repoRoot();
  const { exited } = spawnNode(join(root, 'packages', 'database', 'dist', 'migrate.js'), env, logFile, opts);
  const code = await exited;
  if (code !== 0) throw new Error(`migrate exited with ${code}${opts.onLine ? '' : `; see ${logFile}`}`);
}

/** Polls `/readyz` until the process answers 200; fails early when it exits. */
export async function waitReady(proc: ProcessInfo & { exited?: Promise<number | null> }, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void proc.exited?.then((code) => (exitCode = code ?? -1));
  let last = '';
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`${proc.app}-${proc.replica} exited with ${exitCode} while starting; see ${proc.logFile}`);
    try {
      const res = await fetch(`http://127.0.0.1:${proc.managementPort}/readyz`, { signal: AbortSignal.timeout(2_000) });
      last = `${res.status} ${await res.text()}`;
      if (res.ok) return;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${proc.app}-${proc.replica} not ready after ${timeoutMs} ms (${last}); see ${proc.logFile}`);
}

/** Whether a process with this id exists (signal 0 checks without sending anything). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export type StopOutcome = 'already-exited' | 'graceful' | 'killed' | 'failed';

/**
 * SIGTERM, then SIGKILL after `graceMs`. `graceful` means the service drained and
 * exited 0 by itself, which is what SIGTERM must achieve.
 */
export async function stopProcess(proc: RunningProcess, graceMs = 10_000): Promise<StopOutcome> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return 'already-exited';
  let killed = false;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => {
    killed = true;
    proc.child.kill('SIGKILL');
  }, graceMs);
  const code = await proc.exited;
  clearTimeout(timer);
  return killed ? 'killed' : code === 0 ? 'graceful' : 'failed';
}
