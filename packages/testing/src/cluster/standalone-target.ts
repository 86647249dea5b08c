import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { closeSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../paths.js';
import {
  CLUSTER_APPS,
  freePort,
  stopProcess,
  waitReady,
  type ProcessInfo,
  type RunningProcess,
} from './cluster-processes.js';
import type { Cluster, ClusterOptions } from './cluster.js';
import { serviceEnv } from '../harness/service-env.js';
import { E2E_ENV } from './e2e-env.js';

export function standaloneEntry(): string {
  return join(repoRoot(), 'apps', 'standalone', 'dist', 'main.js');
}

/** The PID of the embedded PostgreSQL running on a data folder, if one runs. */
async function postgresPid(dataDir: string): Promise<number | null> {
  try {
    const text = await readFile(join(dataDir, 'database', 'pgdata', 'postmaster.pid'), 'utf8');
    const pid = Number.parseInt(text.split('\n')[0] ?? '', 10);
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

/**
 * The same public API as the cluster, served by one standalone process (`npm start`)
 * on a fresh data folder: embedded PostgreSQL, in-process transport, filesystem
 * storage. Every app is listed as a process with the one PID and log file, so log
 * searches by app work; there is no Redis and no replica to kill or add.
 */
export async function startStandaloneTarget(
  opts: Pick<ClusterOptions, 'env' | 'readyTimeoutMs' | 'keepLogs' | 'launcher'> = {},
): Promise<Cluster> {
  const logDir = await mkdtemp(join(tmpdir(), 'docat-standalone-logs-'));
  const root = await mkdtemp(join(tmpdir(), 'docat-standalone-target-'));
  // When tests run as root, the embedded PostgreSQL runs as `postgres` and must reach the folder.
  await chmod(root, 0o755);
  const dataDir = join(root, 'data');
  const port = await freePort();
  const env = serviceEnv(
    { mode: 'standalone', dataDir },
    { PORT: String(port), MANAGEMENT_PORT: String(await freePort()) },
    E2E_ENV,
    // Two extraction slots, like the cluster target's two extraction replicas: one account
    // alone leaves one free for another (DOCAT_DISPATCH_RESERVED_SLOTS).
    { DOCAT_WORKER_CONCURRENCY: '2' },
    opts.env ?? {},
  );

  const logFile = join(logDir, 'standalone.log');
  const fd = openSync(logFile, 'a');
  // A launcher's root runs another checkout's build (a benchmark's baseline).
  const repo = opts.launcher?.root?.('gateway') ?? repoRoot();
  const script = join(repo, 'apps', 'standalone', 'dist', 'main.js');
  const { file, args } = opts.launcher?.command?.(script) ?? {
    file: process.execPath,
    args: [script],
  };
  const child = spawn(file, args, {
    cwd: repo,
    env,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error('could not start the standalone process');
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  // MANAGEMENT_PORT is set, so standalone serves /metrics (and /healthz, /readyz) there.
  const managementPort = Number(env.MANAGEMENT_PORT);
  const proc: RunningProcess = {
    app: 'gateway',
    replica: 1,
    pid: child.pid,
    managementPort,
    httpPort: port,
    logFile,
    child,
    exited,
  };

  let stopping: Promise<void> | undefined;
  const stopAll = async () => {
    const outcome = await stopProcess(proc, 20_000);
    // A process that had to be killed leaves its PostgreSQL child running.
    const orphan = await postgresPid(dataDir);
    if (orphan !== null) {
      process.kill(orphan, 'SIGINT');
      for (let i = 0; i < 100 && (await postgresPid(dataDir)) !== null; i++)
        await new Promise((r) => setTimeout(r, 100));
    }
    await rm(root, { recursive: true, force: true });
    if (outcome === 'killed' || outcome === 'failed')
      throw new Error(
        `SIGTERM did not stop the standalone process cleanly (${outcome}, see ${logFile})`,
      );
    if (!(opts.keepLogs ?? Boolean(process.env.DOCAT_KEEP_LOGS)))
      await rm(logDir, { recursive: true, force: true });
  };
  const stop = () => (stopping ??= stopAll());

  try {
    await waitReady(proc, opts.readyTimeoutMs ?? 120_000);
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }

  const processes: ProcessInfo[] = CLUSTER_APPS.map((app) => ({
    app,
    replica: 1,
    pid: child.pid!,
    managementPort,
    httpPort: port,
    logFile,
  }));
  return {
    target: 'standalone',
    gateways: [`http://127.0.0.1:${port}`],
    processes,
    logDir,
    env,
    redisPrefix: '',
    redisUrl: '',
    addReplica() {
      return Promise.reject(new Error('a standalone target has no replicas'));
    },
    stop,
  };
}
