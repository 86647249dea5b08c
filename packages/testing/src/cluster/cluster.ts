import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshDatabase } from '../harness/database.js';
import { freshRedisPrefix } from '../harness/redis.js';
import { startS3Server } from '../harness/s3-server.js';
import { serviceEnv } from '../harness/service-env.js';
import { checkServices } from '../harness/services.js';
import { E2E_ENV, type E2ETarget } from './e2e-env.js';
import { runMigrations, spawnService, stopProcess, waitReady, type ClusterApp, type Launcher, type ProcessInfo, type RunningProcess } from './cluster-processes.js';

export interface ClusterOptions {
  /** Replicas per app; default two gateways and two extraction workers, one of the rest. */
  replicas?: Partial<Record<ClusterApp, number>>;
  /** Extra environment for every process (overrides the fixture's). */
  env?: Record<string, string>;
  readyTimeoutMs?: number;
  /** How each process is started (default: this Node on the repository's build). */
  launcher?: Launcher;
  /** Keep the log folder after stop (default: keep it only when `DOCAT_KEEP_LOGS` is set). */
  keepLogs?: boolean;
}

/** What a test file needs of a running cluster; serialisable, so a global setup can hand it over. */
export interface ClusterInfo {
  /** What runs behind the gateways: six kinds of process, or one standalone process. */
  target: E2ETarget;
  gateways: string[];
  processes: ProcessInfo[];
  logDir: string;
  /** The environment the services run with (to start a replacement replica). */
  env: Record<string, string>;
  redisPrefix: string;
  redisUrl: string;
}

export interface Cluster extends ClusterInfo {
  /** Starts one more replica of an app (e.g. to replace a killed one) and waits until it is ready. */
  addReplica(app: ClusterApp): Promise<ProcessInfo>;
  stop(): Promise<void>;
}

const DEFAULT_REPLICAS: Record<ClusterApp, number> = { auth: 1, ingestion: 1, notification: 1, translation: 1, extraction: 2, gateway: 2 };

/**
 * The six services as separate processes from their built `dist/main.js`, on real
 * Redis (a fresh key prefix), PostgreSQL (a fresh database) and the S3-compatible
 * server (a child process), with two gateway and two extraction replicas by default.
 * Each process logs to its own file in `logDir`. Migrations run first (`npm run
 * migrate`), then the back-end services, then the gateways once those are ready.
 */
export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  await checkServices();
  const replicas = { ...DEFAULT_REPLICAS, ...opts.replicas };
  const logDir = await mkdtemp(join(tmpdir(), 'docat-cluster-logs-'));
  const dataDir = await mkdtemp(join(tmpdir(), 'docat-cluster-data-'));
  const redis = freshRedisPrefix();
  const database = await freshDatabase();
  const s3 = await startS3Server();
  const running: RunningProcess[] = [];
  const counts = new Map<ClusterApp, number>();

  const env = serviceEnv(
    { mode: 'cluster', dataDir, databaseUrl: database.url, redis, storage: s3 },
    { DATABASE_POOL_MAX: '5' },
    E2E_ENV,
    opts.env ?? {},
  );

  const start = async (app: ClusterApp): Promise<RunningProcess> => {
    const replica = (counts.get(app) ?? 0) + 1;
    counts.set(app, replica);
    const proc = await spawnService(app, replica, env, logDir, opts.launcher ? { launcher: opts.launcher } : {});
    running.push(proc);
    return proc;
  };
  const timeout = opts.readyTimeoutMs ?? 90_000;

  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= stopAll());
  const stopAll = async () => {
    const order: ClusterApp[] = ['gateway', 'extraction', 'translation', 'ingestion', 'notification', 'auth'];
    const unclean: string[] = [];
    for (const app of order) {
      await Promise.all(
        running
          .filter((p) => p.app === app)
          .map(async (p) => {
            const outcome = await stopProcess(p);
            if (outcome === 'killed' || outcome === 'failed') unclean.push(`${p.app}-${p.replica} (${outcome}, see ${p.logFile})`);
          }),
      );
    }
    await s3.stop().catch(() => undefined);
    await database.drop().catch(() => undefined);
    await redis.cleanup().catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
    if (unclean.length > 0) {
      throw new Error(`SIGTERM did not stop every service cleanly: ${unclean.join(', ')}`);
    }
    if (!(opts.keepLogs ?? Boolean(process.env.DOCAT_KEEP_LOGS))) await rm(logDir, { recursive: true, force: true });
  };

  try {
    await runMigrations(env, logDir, opts.launcher ? { launcher: opts.launcher } : {});
    const workers: RunningProcess[] = [];
    for (const app of ['auth', 'ingestion', 'notification', 'translation', 'extraction'] as const) {
      for (let i = 0; i < replicas[app]; i++) workers.push(await start(app));
    }
    await Promise.all(workers.map((p) => waitReady(p, timeout)));
    const gateways: RunningProcess[] = [];
    for (let i = 0; i < replicas.gateway; i++) gateways.push(await start('gateway'));
    await Promise.all(gateways.map((p) => waitReady(p, timeout)));
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }

  const info = (p: RunningProcess): ProcessInfo => ({
    app: p.app,
    replica: p.replica,
    pid: p.pid,
    managementPort: p.managementPort,
    ...(p.httpPort ? { httpPort: p.httpPort } : {}),
    logFile: p.logFile,
  });
  return {
    target: 'cluster',
    gateways: running.filter((p) => p.app === 'gateway').map((p) => `http://127.0.0.1:${p.httpPort}`),
    get processes() {
      return running.map(info);
    },
    logDir,
    env,
    redisPrefix: redis.prefix.replace(/:$/, ''),
    redisUrl: redis.url,
    async addReplica(app) {
      const proc = await start(app);
      await waitReady(proc, timeout);
      return info(proc);
    },
    stop,
  };
}
