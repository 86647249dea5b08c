import {
  spawnService,
  stopProcess,
  waitReady,
  type ClusterApp,
  type ProcessInfo,
} from './cluster-processes.js';
import { startCluster, type Cluster, type ClusterInfo, type ClusterOptions } from './cluster.js';
import { e2eTarget, type E2ETarget } from './e2e-env.js';
import { startStandaloneTarget } from './standalone-target.js';

/** Where the global setup leaves the cluster's description for the test files it runs. */
export const CLUSTER_ENV = 'DOCAT_E2E_CLUSTER';

let owned: Cluster | undefined;

/** The system `DOCAT_E2E_TARGET` names: the six-process cluster (default) or one standalone process. */
function startTarget(opts: ClusterOptions = {}): Promise<Cluster> {
  return e2eTarget() === 'standalone' ? startStandaloneTarget(opts) : startCluster(opts);
}

/**
 * node:test global setup (`--test-global-setup`): one cluster for the whole run,
 * described to every test file through the environment they inherit.
 */
export async function globalSetup(): Promise<void> {
  owned = await startTarget();
  process.env[CLUSTER_ENV] = JSON.stringify(describeCluster(owned));
}

export async function globalTeardown(): Promise<void> {
  await owned?.stop();
  owned = undefined;
  delete process.env[CLUSTER_ENV];
}

function describeCluster(cluster: Cluster): ClusterInfo {
  const { target, gateways, processes, logDir, env, redisPrefix, redisUrl } = cluster;
  return { target, gateways, processes, logDir, env, redisPrefix, redisUrl };
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
  const cluster = await startTarget(opts);
  return { cluster: describeCluster(cluster), release: () => cluster.stop() };
}

/**
 * Starts one more replica of an app from a test file (e.g. to restore a replica the
 * test killed), with the cluster's environment, logging beside the others.
 */
export async function startReplica(
  cluster: ClusterInfo,
  app: ClusterApp,
  timeoutMs = 60_000,
): Promise<{ info: ProcessInfo; stop(): Promise<void> }> {
  const replica =
    100 + cluster.processes.filter((p) => p.app === app).length + Math.floor(Math.random() * 900);
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
      if (outcome === 'killed' || outcome === 'failed')
        throw new Error(
          `${app}-${replica} did not stop cleanly on SIGTERM (${outcome}); see ${proc.logFile}`,
        );
    },
  };
}

/**
 * The target this test file runs against, known when the file loads (so cluster-only
 * tests can be skipped by option): the shared one's, else `DOCAT_E2E_TARGET`.
 */
export function currentE2ETarget(): E2ETarget {
  const shared = process.env[CLUSTER_ENV];
  return shared ? (JSON.parse(shared) as ClusterInfo).target : e2eTarget();
}

/** A `skip` option for a test that needs cluster-only things (replicas, Redis). */
export function clusterOnly(): string | false {
  return currentE2ETarget() === 'cluster'
    ? false
    : 'needs the six-process cluster (replicas or Redis)';
}
