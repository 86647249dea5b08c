import { join } from 'node:path';
import { repoRoot } from '@docat/testing';
import { defaultOutDir, runLoad, type LoadTarget } from './load-run.js';

/**
 * `npm run load`: the source design's load test (locust) against a target started here,
 * bounded in users, time and requests, on loopback only. Settings (environment):
 * TARGET (cluster | standalone, default cluster), WORKERS (extraction and translation
 * replicas, default 1), USERS (10), SPAWN_RATE (2 per s), RUN_TIME_S (60), MAX_REQUESTS
 * (5000), LOAD_PDF (examples/sample.pdf), FOLLOW_SHARE (0.2), DRAIN_S (300), LOAD_OUT
 * (default: a new folder in the OS temp dir). Prints where the report and chart are.
 */
const target = (process.env.TARGET ?? 'cluster') as LoadTarget;
if (target !== 'cluster' && target !== 'standalone') throw new Error(`TARGET must be cluster or standalone, not ${String(target)}`);
const outDir = defaultOutDir();
const outcome = await runLoad(
  {
    target,
    workers: Number(process.env.WORKERS ?? 1),
    users: Number(process.env.USERS ?? 10),
    spawnRate: Number(process.env.SPAWN_RATE ?? 2),
    runTimeS: Number(process.env.RUN_TIME_S ?? 60),
    maxRequests: Number(process.env.MAX_REQUESTS ?? 5000),
    pdf: process.env.LOAD_PDF ?? join(repoRoot(), 'examples', 'sample.pdf'),
    followShare: Number(process.env.FOLLOW_SHARE ?? 0.2),
    drainS: Number(process.env.DRAIN_S ?? 300),
    outDir,
  },
  (line) => console.log(line),
);
for (const e of outcome.endpoints) console.log(`${e.name.padEnd(44)} ${String(e.requests).padStart(6)} req ${String(e.failures).padStart(4)} fail  ${e.rps.toFixed(2).padStart(7)}/s  p50 ${e.p50}  p95 ${e.p95}  p99 ${e.p99} ms`);
const j = outcome.jobs;
console.log(`jobs: submitted ${j.submitted}, completed ${j.completed}, failed ${JSON.stringify(j.failed)}, unfinished ${j.unfinished}, lost ${j.lost}`);
console.log(`verdict: ${outcome.held ? 'held' : `not held (${outcome.heldWhy.join('; ')})`}`);
console.log(`report: ${outcome.reportFile}`);
console.log(`chart:  ${outcome.chartFile}`);
