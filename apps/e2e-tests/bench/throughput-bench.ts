import { loadavg } from 'node:os';
import { join } from 'node:path';
import {
  corpusFile,
  repoRoot,
  requireCorpus,
  startCluster,
  startStandaloneTarget,
  type Cluster,
} from '@docat/testing';
import {
  formatReport,
  runThroughput,
  throughputFailures,
  type Workload,
} from '../src/throughput.js';

/**
 * Throughput under a queue, full size by default: HEAVY (30) uploads of HEAVY_FILE
 * (TAMReview.pdf, 23 OCR'd pages) from one account and LIGHT (5) of LIGHT_FILE (the
 * one-page sample) from another, in MODE (cluster, standalone or both), CHUNK_PAGES 10
 * as shipped (HEAVY_PAGES: a page range of each heavy upload, for a reduced run). Prints the duplicate count, the total against the serial time and each
 * job's latency, and exits 1 when a pass rule fails. Long: about an hour per mode at
 * full size on a 2-core machine.
 */
const MODE = process.env.MODE ?? 'both';
const HEAVY_FILE = process.env.HEAVY_FILE ?? 'TAMReview.pdf';
const LIGHT_FILE = process.env.LIGHT_FILE ?? join(repoRoot(), 'examples', 'sample.pdf');
const workload: Workload = {
  heavyFile: HEAVY_FILE.includes('/') ? HEAVY_FILE : corpusFile(HEAVY_FILE),
  heavyJobs: Number(process.env.HEAVY ?? 30),
  ...(process.env.HEAVY_PAGES ? { heavyFields: { pages: process.env.HEAVY_PAGES } } : {}),
  lightFile: LIGHT_FILE,
  lightJobs: Number(process.env.LIGHT ?? 5),
  timeoutMs: Number(process.env.JOB_TIMEOUT_MS ?? 4 * 60 * 60 * 1000),
};
const env: Record<string, string> = {
  CHUNK_PAGES: process.env.CHUNK_PAGES ?? '10',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  // The benchmark's two accounts poll their jobs for an hour or more: the hourly request
  // limit is raised for this run's system only (its own processes), and the start line says so.
  RATE_LIMIT_API_GENERAL: '10000000/hour',
  ...(process.env.DOCAT_WORKER_CONCURRENCY
    ? { DOCAT_WORKER_CONCURRENCY: process.env.DOCAT_WORKER_CONCURRENCY }
    : {}),
  // OCR's scheduling priority below the services' (OCR_NICE), to compare runs with and without.
  ...(process.env.OCR_NICE ? { OCR_NICE: process.env.OCR_NICE } : {}),
  // Node options of the services, e.g. `--cpu-prof --cpu-prof-dir=<folder>` to profile them.
  ...(process.env.SERVICE_NODE_OPTIONS ? { NODE_OPTIONS: process.env.SERVICE_NODE_OPTIONS } : {}),
};
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

if (!HEAVY_FILE.includes('/')) {
  const corpus = requireCorpus(HEAVY_FILE);
  if (!corpus.ok) {
    console.log(`skipped: ${corpus.skip}`);
    process.exit(0);
  }
}

let failed = false;
for (const mode of MODE === 'both' ? ['cluster', 'standalone'] : [MODE]) {
  const started = Date.now();
  const system: Cluster =
    mode === 'cluster' ? await startCluster({ env }) : await startStandaloneTarget({ env });
  console.log(
    `${mode}: started in ${Date.now() - started} ms; ${workload.heavyJobs} x ${workload.heavyFile}, ${workload.lightJobs} x ${workload.lightFile}, env ${JSON.stringify(env)}`,
  );
  // The machine's load average every minute: times measured on a loaded machine are judged with it.
  const loads: string[] = [load()];
  const sampler = setInterval(() => loads.push(load()), 60_000);
  try {
    const report = await runThroughput(system, workload, (line) =>
      console.log(`  ${line} (load average ${load()})`),
    );
    console.log(formatReport(report, mode));
    console.log(`load average (1, 5, 15 min) each minute: ${[...loads, load()].join('; ')}`);
    const failures = throughputFailures(report, workload);
    console.log(failures.length === 0 ? 'PASS' : `FAIL:\n  ${failures.join('\n  ')}`);
    failed ||= failures.length > 0;
  } catch (err) {
    // Said before the stop, which can fail too and would hide it.
    console.log(`FAIL: the ${mode} run stopped: ${err instanceof Error ? err.stack : String(err)}`);
    failed = true;
  } finally {
    clearInterval(sampler);
    await system.stop().catch((err: unknown) => {
      console.log(`the ${mode} system did not stop cleanly: ${String(err)}`);
      failed = true;
    });
  }
}
process.exit(failed ? 1 : 0);
