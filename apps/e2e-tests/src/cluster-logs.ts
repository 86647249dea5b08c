import { readFile } from 'node:fs/promises';
import type { ClusterInfo, ProcessInfo } from '@docat/testing';

export interface LogHit {
  process: ProcessInfo;
  line: string;
}

/** Lines of an app's process logs (every replica, including ones started later by tests) containing `needle`. */
export async function findInLogs(
  cluster: ClusterInfo,
  app: string,
  needle: string,
  extraFiles: readonly ProcessInfo[] = [],
): Promise<LogHit[]> {
  const hits: LogHit[] = [];
  for (const proc of [...cluster.processes, ...extraFiles].filter((p) => p.app === app)) {
    const text = await readFile(proc.logFile, 'utf8').catch(() => '');
    for (const line of text.split('\n'))
      if (line.includes(needle)) hits.push({ process: proc, line });
  }
  return hits;
}

export async function waitForLog(
  cluster: ClusterInfo,
  app: string,
  needle: string,
  timeoutMs: number,
  intervalMs = 25,
): Promise<LogHit> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const [hit] = await findInLogs(cluster, app, needle);
    if (hit) return hit;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`no ${app} log line with '${needle}' within ${timeoutMs} ms`);
}
