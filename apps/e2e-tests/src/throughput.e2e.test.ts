import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import {
  alive,
  corpusFile,
  repoRoot,
  requireCorpus,
  startReplica,
  useCluster,
  type ClusterLease,
  type ProcessInfo,
} from '@docat/testing';
import { formatReport, runThroughput, throughputFailures, type Workload } from './throughput.js';

const corpus = requireCorpus('scanned-tracemonkey-p1-2.pdf');

/**
 * A bounded version of `npm run bench:throughput`: three scanned two-page jobs (OCR, the
 * work the full benchmark is heavy with) from one account and two small text jobs from
 * another, against the same work run one job after another. The full-size benchmark runs
 * 30 OCR'd 23-page jobs and 5 small ones. Timeouts are generous: on a busy machine OCR is
 * many times slower than on an idle one, and the time ratios are judged by the benchmark.
 */
describe(
  'many jobs at once: all complete, no step runs twice, small jobs do not wait behind the batch (time ratios: the benchmark)',
  { skip: corpus.skip },
  () => {
    let lease: ClusterLease;
    let replica: Awaited<ReturnType<typeof startReplica>> | undefined;

    before(async () => {
      lease = await useCluster();
      // Fairness needs two extraction slots (one is kept for other accounts); the crash
      // test may have killed one of the cluster's two replicas.
      const extraction = lease.cluster.processes.filter(
        (p) => p.app === 'extraction' && alive(p.pid),
      );
      if (lease.cluster.target === 'cluster' && extraction.length < 2)
        replica = await startReplica(lease.cluster, 'extraction');
    });
    after(async () => {
      await replica?.stop();
      await lease?.release();
    });

    test('three OCR jobs and two small jobs of another account', { timeout: 900_000 }, async () => {
      const workload: Workload = {
        heavyFile: corpusFile('scanned-tracemonkey-p1-2.pdf'),
        heavyJobs: 3,
        lightFile: join(repoRoot(), 'examples', 'sample.pdf'),
        lightJobs: 2,
        timeoutMs: 480_000,
      };
      const extra: ProcessInfo[] = replica ? [replica.info] : [];
      const report = await runThroughput(lease.cluster, workload, undefined, extra);
      console.log(formatReport(report, lease.cluster.target));
      assert.equal(
        report.firstRuns,
        workload.heavyJobs * 3 + workload.lightJobs * 3,
        'each job ran its extract, translate and render step once (one chunk each)',
      );
      const failures = throughputFailures(report, workload);
      // The time ratios (total within 1.15x of serial, small jobs within 2x of alone) compare
      // runs of about a second, minutes apart, on two cores: they are judged by the full-size
      // benchmark (`npm run bench:throughput`), and only printed here. What this test judges
      // always: every job completes, no step runs twice, and the small jobs do not wait behind
      // the batch (each is done before one heavy job alone would be).
      const timing = failures.filter((f) => f.includes('serial') || f.includes('alone'));
      console.log(
        `time ratios (judged by the benchmark, on ${availableParallelism()} cores, load average ${loadavg()[1]!.toFixed(1)}): ${timing.length ? timing.join('; ') : 'within their limits'}`,
      );
      assert.deepEqual(
        failures.filter((f) => !timing.includes(f)),
        [],
      );
      for (const job of report.jobs.filter((j) => j.account === 'light'))
        assert.ok(
          job.latencyMs < report.heavySoloMs,
          `small job ${job.id} took ${job.latencyMs} ms: it waited behind the batch (one heavy job alone takes ${report.heavySoloMs} ms)`,
        );
    });
  },
);
