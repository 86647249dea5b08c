import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  clusterOnly,
  corpusFile,
  requireCorpus,
  startReplica,
  useCluster,
  type ClusterLease,
} from '@docat/testing';
import { DocatApi } from './docat-api.js';
import { findInLogs, waitForLog } from './cluster-logs.js';

const corpus = requireCorpus('tracemonkey.pdf');
const FORMATS = ['md', 'txt', 'json'] as const;

async function outputs(api: DocatApi, jobId: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const format of FORMATS) {
    const res = await api.result(jobId, format);
    assert.equal(res.status, 200, `${format}: ${res.body.slice(0, 200)}`);
    out[format] = res.body;
  }
  return out;
}

describe(
  'an extraction replica killed mid-chunk (cluster only)',
  { skip: corpus.skip || clusterOnly() },
  () => {
    let lease: ClusterLease;
    let replacement: Awaited<ReturnType<typeof startReplica>> | undefined;

    before(async () => {
      lease = await useCluster();
    });
    after(async () => {
      await replacement?.stop();
      await lease?.release();
    });

    test('its chunk is retried elsewhere and the output equals an undisturbed run', async () => {
      const reference = new DocatApi(lease.cluster.gateways);
      await reference.registerFresh();
      const calm = await reference.uploadFile(corpusFile('tracemonkey.pdf'));
      assert.equal(calm.status, 202);
      assert.equal((await reference.waitFinished(calm.body.id)).state, 'completed');
      const expected = await outputs(reference, calm.body.id);

      const api = new DocatApi(lease.cluster.gateways);
      await api.registerFresh();
      const upload = await api.uploadFile(corpusFile('tracemonkey.pdf'));
      assert.equal(upload.status, 202);
      const jobId = upload.body.id;

      // Chunk 0 reports the page count; a later chunk is the one to lose.
      const started = await waitForLog(
        lease.cluster,
        'extraction',
        `extract started job=${jobId} chunk=1 `,
        60_000,
        10,
      );
      const victim = started.process;
      process.kill(victim.pid, 'SIGKILL');
      const killedAt = Date.now();
      replacement = await startReplica(lease.cluster, 'extraction');

      const job = await api.waitFinished(jobId, 120_000);
      assert.equal(job.state, 'completed', JSON.stringify(job.error));
      assert.equal(job.pages, 14);
      console.log(`job completed ${Date.now() - killedAt} ms after the replica was killed`);

      const attempts = await findInLogs(
        lease.cluster,
        'extraction',
        `extract started job=${jobId} chunk=1 `,
        [replacement.info],
      );
      assert.ok(
        attempts.some((hit) => hit.process.pid !== victim.pid),
        `chunk 1 ran again on another replica: ${attempts.map((a) => a.process.pid).join(', ')}`,
      );
      // Once: the killed run and one more. A redelivered queue entry that finds the lease
      // still held, or outdated, is dropped before it starts.
      assert.equal(
        attempts.length,
        2,
        `chunk 1 started ${attempts.length} times: ${attempts.map((a) => a.line.slice(0, 160)).join(' | ')}`,
      );
      const actual = await outputs(api, jobId);
      for (const format of FORMATS)
        assert.equal(
          actual[format],
          expected[format],
          `${format} differs from the undisturbed run`,
        );
    });
  },
);
