import type { ClusterInfo, ProcessInfo } from '@docat/testing';
import { DocatApi } from './docat-api.js';

/**
 * The throughput workload: many multi-chunk ("heavy") jobs from one account sent at
 * once, then a few small jobs from a second account, measured against the same work
 * run one job after another. Shared by the bounded end-to-end test and the full-size
 * benchmark (`npm run bench:throughput`).
 */
export interface Workload {
  heavyFile: string;
  heavyJobs: number;
  /** Upload fields of the heavy jobs (a page range, say). */
  heavyFields?: Record<string, string>;
  lightFile: string;
  lightJobs: number;
  /** Per job wait limit. */
  timeoutMs: number;
}

export interface JobTiming {
  account: 'heavy' | 'light';
  id: string;
  state: string;
  latencyMs: number;
}

export interface ThroughputReport {
  heavySoloMs: number;
  lightSoloMs: number;
  /** Each small job's latency when the small jobs run together with nothing else, slowest last. */
  lightBatchSoloMs: number[];
  /** heavyJobs x heavySoloMs + lightJobs x lightSoloMs. */
  serialMs: number;
  totalMs: number;
  jobs: JobTiming[];
  /** Chunk or render steps that were allowed to run a second time during the loaded run. */
  duplicateRuns: number;
  /** First runs of steps during the loaded run. */
  firstRuns: number;
  /** The same, per queue. */
  firstRunsByQueue: Record<string, number>;
  /** Steps dropped unrun as stale during the loaded run, by reason. */
  staleDropped: Record<string, number>;
}

const OUTPUTS = { outputs: 'md,txt,json', noCache: 'true' };

/** Every `/metrics` sample of `name` summed over the processes (standalone serves all from one port). */
async function metricSum(
  processes: readonly ProcessInfo[],
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  let sum = 0;
  const seen = new Set<number>();
  for (const proc of processes) {
    if (seen.has(proc.managementPort)) continue;
    seen.add(proc.managementPort);
    const res = await fetch(`http://127.0.0.1:${proc.managementPort}/metrics`).catch(() => null);
    if (!res || res.status !== 200) continue;
    for (const line of (await res.text()).split('\n')) {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match || match[1] !== name) continue;
      const found: Record<string, string> = {};
      for (const [, k, v] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
        found[k!] = v!;
      if (Object.entries(labels).every(([k, v]) => found[k] === v)) sum += Number(match[3]);
    }
  }
  return sum;
}

async function staleByReason(processes: readonly ProcessInfo[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const reason of ['superseded', 'finished', 'held', 'cancelled'])
    out[reason] = await metricSum(processes, 'docat_stale_steps_total', { reason });
  return out;
}

/** Uploads `count` copies of `file` back to back and waits for all of them; each is stamped when seen finished. */
async function batch(
  api: DocatApi,
  file: string,
  count: number,
  timeoutMs: number,
  fields: Record<string, string> = {},
  pollMs = 100,
): Promise<{ id: string; state: string; doneAt: number; error?: string }[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await api.uploadFile(file, { ...OUTPUTS, ...fields });
    if (res.status !== 202)
      throw new Error(`upload answered ${res.status}: ${JSON.stringify(res.body)}`);
    ids.push(res.body.id);
  }
  return Promise.all(
    ids.map(async (id) => {
      const job = await api.waitFinished(id, timeoutMs, pollMs);
      return {
        id,
        state: job.state,
        doneAt: Date.now(),
        ...(job.error ? { error: `${job.error.code}: ${job.error.message}` } : {}),
      };
    }),
  );
}

export async function runThroughput(
  cluster: ClusterInfo,
  workload: Workload,
  log: (line: string) => void = () => undefined,
  extraProcesses: readonly ProcessInfo[] = [],
): Promise<ThroughputReport> {
  const processes = [...cluster.processes, ...extraProcesses];
  // A full-size run outlives an access token.
  const heavy = new DocatApi(cluster.gateways);
  heavy.keepSignedIn = true;
  await heavy.registerFresh();
  const light = new DocatApi(cluster.gateways);
  light.keepSignedIn = true;
  await light.registerFresh();

  // Solo times: each kind of job alone on an idle system.
  let t = Date.now();
  const [heavyAlone] = await batch(
    heavy,
    workload.heavyFile,
    1,
    workload.timeoutMs,
    workload.heavyFields,
  );
  const heavySoloMs = heavyAlone!.doneAt - t;
  if (heavyAlone!.state !== 'completed')
    throw new Error(
      `the solo heavy job ended ${heavyAlone!.state} (${heavyAlone!.error ?? 'no error'})`,
    );
  log(`solo heavy job: ${heavySoloMs} ms`);
  t = Date.now();
  const [lightAlone] = await batch(light, workload.lightFile, 1, workload.timeoutMs);
  const lightSoloMs = lightAlone!.doneAt - t;
  log(`solo small job: ${lightSoloMs} ms`);
  t = Date.now();
  const lightBatch = await batch(light, workload.lightFile, workload.lightJobs, workload.timeoutMs);
  const lightBatchSoloMs = lightBatch.map((j) => j.doneAt - t).sort((a, b) => a - b);
  log(`the ${workload.lightJobs} small jobs together, alone: ${lightBatchSoloMs.join(', ')} ms`);
  const serialMs = workload.heavyJobs * heavySoloMs + workload.lightJobs * lightSoloMs;

  const againBefore = await metricSum(processes, 'docat_step_runs_total', { run: 'again' });
  const firstBefore = await metricSum(processes, 'docat_step_runs_total', { run: 'first' });
  const queues = ['extract', 'translate', 'render'];
  const byQueue = async () =>
    Object.fromEntries(
      await Promise.all(
        queues.map(
          async (queue) =>
            [
              queue,
              await metricSum(processes, 'docat_step_runs_total', { run: 'first', queue }),
            ] as const,
        ),
      ),
    );
  const byQueueBefore = await byQueue();
  const staleBefore = await staleByReason(processes);

  const start = Date.now();
  // Jobs of minutes are looked at twice a second: thirty of them at 100 ms would be 300
  // status requests a second, an hour's request limit in minutes.
  const heavyRun = batch(
    heavy,
    workload.heavyFile,
    workload.heavyJobs,
    workload.timeoutMs,
    workload.heavyFields,
    500,
  );
  // The small jobs arrive once the large batch is queued: they must not wait behind it.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const lightStart = Date.now();
  const lightRun = batch(light, workload.lightFile, workload.lightJobs, workload.timeoutMs);
  const [heavyDone, lightDone] = await Promise.all([heavyRun, lightRun]);
  const totalMs = Math.max(...[...heavyDone, ...lightDone].map((j) => j.doneAt)) - start;

  const staleAfter = await staleByReason(processes);
  const byQueueAfter = await byQueue();
  const report: ThroughputReport = {
    heavySoloMs,
    lightSoloMs,
    lightBatchSoloMs,
    serialMs,
    totalMs,
    jobs: [
      ...heavyDone.map((j) => ({
        account: 'heavy' as const,
        id: j.id,
        state: j.error ? `${j.state} (${j.error})` : j.state,
        latencyMs: j.doneAt - start,
      })),
      ...lightDone.map((j) => ({
        account: 'light' as const,
        id: j.id,
        state: j.state,
        latencyMs: j.doneAt - lightStart,
      })),
    ],
    duplicateRuns:
      (await metricSum(processes, 'docat_step_runs_total', { run: 'again' })) - againBefore,
    firstRuns:
      (await metricSum(processes, 'docat_step_runs_total', { run: 'first' })) - firstBefore,
    firstRunsByQueue: Object.fromEntries(
      queues.map((q) => [q, (byQueueAfter[q] ?? 0) - (byQueueBefore[q] ?? 0)]),
    ),
    staleDropped: Object.fromEntries(
      Object.entries(staleAfter).map(([k, v]) => [k, v - (staleBefore[k] ?? 0)]),
    ),
  };
  return report;
}

/** The pass rules; an empty list means the run passed. */
export function throughputFailures(report: ThroughputReport, workload: Workload): string[] {
  const failures: string[] = [];
  const unfinished = report.jobs.filter((j) => j.state !== 'completed');
  if (unfinished.length > 0)
    failures.push(
      `${unfinished.length} jobs did not complete: ${unfinished.map((j) => `${j.id} ${j.state}`).join(', ')}`,
    );
  if (report.jobs.length !== workload.heavyJobs + workload.lightJobs)
    failures.push(`${report.jobs.length} jobs measured`);
  if (report.totalMs > 1.15 * report.serialMs)
    failures.push(`total ${report.totalMs} ms is more than 1.15x the serial ${report.serialMs} ms`);
  if (report.duplicateRuns !== 0) failures.push(`${report.duplicateRuns} steps ran twice`);
  const lightLoaded = report.jobs
    .filter((j) => j.account === 'light')
    .map((j) => j.latencyMs)
    .sort((a, b) => a - b);
  lightLoaded.forEach((ms, i) => {
    const solo = report.lightBatchSoloMs[i]!;
    if (ms > 2 * solo)
      failures.push(
        `small job ${i + 1} took ${ms} ms under load, more than 2x its ${solo} ms alone`,
      );
  });
  return failures;
}

export function formatReport(report: ThroughputReport, mode: string): string {
  const lines = [
    `mode: ${mode}`,
    `solo: heavy job ${report.heavySoloMs} ms, small job ${report.lightSoloMs} ms; small jobs together alone: ${report.lightBatchSoloMs.join(', ')} ms`,
    `total ${report.totalMs} ms vs serial ${report.serialMs} ms: ${(report.totalMs / report.serialMs).toFixed(3)}x (limit 1.15x)`,
    `duplicate step runs: ${report.duplicateRuns} (first runs ${report.firstRuns}: ${JSON.stringify(report.firstRunsByQueue)}); stale steps dropped unrun: ${JSON.stringify(report.staleDropped)}`,
    'job latencies (ms, from its batch start):',
    ...report.jobs.map(
      (j, i) =>
        `  ${String(i + 1).padStart(2)} ${j.account.padEnd(5)} ${j.state.padEnd(9)} ${String(j.latencyMs).padStart(8)}  ${j.id}`,
    ),
  ];
  return lines.join('\n');
}
