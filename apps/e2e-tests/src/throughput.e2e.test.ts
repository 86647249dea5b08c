import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  corpusFile,
  repoRoot,
  requireCorpus,
  startReplica,
  useCluster,
  type ClusterLease,
  type ProcessInfo,
} from '@docat/testing';
import { formatReport, runThroughput, throughputFailures, type Workload } from './throughput.js';

const corpus = requireCorpus('tracemonkey.pdf');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A bounded version of `npm run bench:throughput`: three 8-page jobs (two chunks each) from
 * one account and two small jobs from another, against the same work run one job after
 * another. Text pages, not OCR: a scanned page takes too long for the suite's budget on a
 * small machine. The full-size benchmark runs 30 OCR'd 23-page jobs and 5 small ones.
 */
describe(
  'many jobs at once: all complete, no step runs twice, total within 1.15x of serial, small jobs within 2x of alone',
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

    test(
      'three multi-chunk jobs and two small jobs of another account',
      { timeout: 600_000 },
      async () => {
        const workload: Workload = {
          heavyFile: corpusFile('scanned-tracemonkey-p1-2.pdf'),
          heavyJobs: 3,
          lightFile: join(repoRoot(), 'examples', 'sample.pdf'),
          lightJobs: 2,
          timeoutMs: 120_000,
        };
        const extra: ProcessInfo[] = replica ? [replica.info] : [];
        const report = await runThroughput(lease.cluster, workload, undefined, extra);
        console.log(formatReport(report, lease.cluster.target));
        assert.equal(
          report.firstRuns,
          workload.heavyJobs * 3 + workload.lightJobs * 3,
          'each job ran its extract, translate and render step once (one chunk each)',
        );
        assert.deepEqual(throughputFailures(report, workload), []);
      },
    );
  },
);
