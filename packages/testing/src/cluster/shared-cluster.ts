import { spawnService, stopProcess, waitReady, type ClusterApp, type ProcessInfo } from './cluster-processes.js';
import { startCluster, type Cluster, type ClusterInfo, type ClusterOptions } from './cluster.js';

/** Where the global setup leaves the cluster's description for the test files it runs. */
export const CLUSTER_ENV = 'DOCAT_E2E_CLUSTER';

let owned: Cluster | undefined;

/**
 * node:test global setup (`--test-global-setup`): one cluster for the whole run,
 * described to every test file through the environment they inherit.
 */
export async function globalSetup(): Promise<void> {
  owned = await startCluster();
  process.env[CLUSTER_ENV] = JSON.stringify(describeCluster(owned));
}

export async function globalTeardown(): Promise<void> {
  await owned?.stop();
  owned = undefined;
  delete process.env[CLUSTER_ENV];
}

function describeCluster(cluster: Cluster): ClusterInfo {
  const { gateways, processes, logDir, env, redisPrefix, redisUrl } = cluster;
  return { gateways, processes, logDir, env, redisPrefix, redisUrl };
}

export interface ClusterLease {
  cluster: ClusterInfo;
  /** Stops the cluster if this lease started it; a shared one is left to the global teardown. */
  release(): Promise<void>;
}

/**
 * The cluster of this test run: the shared one when a global setup started it,
 * otherwise (a single file run on its own) one started here for this file.
 */
export async function useCluster(opts: ClusterOptions = {}): Promise<ClusterLease> {
  const shared = process.env[CLUSTER_ENV];
  if (shared) return { cluster: JSON.parse(shared) as ClusterInfo, release: async () => undefined };
  const cluster = await startCluster(opts);
  return { cluster: describeCluster(cluster), release: () => cluster.stop() };
}

/**
 * Starts one more replica of an app from a test file (e.g. to restore a replica the
 * test killed), with the cluster's environment, logging beside the others.
 */
export async function startReplica(cluster: ClusterInfo, app: ClusterApp, timeoutMs = 60_000): Promise<{ info: ProcessInfo; stop(): Promise<void> }> {
  const replica = 100 + cluster.processes.filter((p) => p.app === app).length + Math.floor(Math.random() * 900);
  const proc = await spawnService(app, replica, cluster.env, cluster.logDir);
  try {
    await waitReady(proc, timeoutMs);
  } catch (err) {
    await stopProcess(proc, 2_000);
    throw err;
  }
  const { child: _child, exited: _exited, ...info } = proc;
  return {
    info,
    stop: async () => {
      const outcome = await stopProcess(proc);
      if (outcome === 'killed' || outcome === 'failed') throw new Error(`${app}-${replica} did not stop cleanly on SIGTERM (${outcome}); see ${proc.logFile}`);
    },
  };
}
