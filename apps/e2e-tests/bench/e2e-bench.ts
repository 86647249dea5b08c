import { corpusFile, requireCorpus, startCluster } from '@docat/testing';
import { DocatApi } from '../src/docat-api.js';

/**
 * End-to-end time of tracemonkey.pdf (14 pages) in cluster mode: upload through a
 * gateway, poll until completed, download md/txt/json. Six services as processes, two
 * gateway and two extraction replicas, real Redis, PostgreSQL and S3-compatible server.
 * Each run uses `noCache` so the result cache never answers.
 */
const RUNS = Number(process.env.RUNS ?? 3);

const corpus = requireCorpus('tracemonkey.pdf');
if (!corpus.ok) {
  console.log(`skipped: ${corpus.skip}`);
  process.exit(0);
}

const bootStart = Date.now();
const cluster = await startCluster();
const bootMs = Date.now() - bootStart;
try {
  const api = new DocatApi(cluster.gateways);
  await api.registerFresh();
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const start = Date.now();
    const upload = await api.uploadFile(corpusFile('tracemonkey.pdf'), { noCache: 'true' });
    if (upload.status !== 202)
      throw new Error(`upload answered ${upload.status}: ${JSON.stringify(upload.body)}`);
    const job = await api.waitFinished(upload.body.id, 180_000, 50);
    if (job.state !== 'completed')
      throw new Error(`job ${job.state}: ${JSON.stringify(job.error)}`);
    for (const format of ['md', 'txt', 'json']) {
      const res = await api.result(job.id, format);
      if (res.status !== 200) throw new Error(`${format} answered ${res.status}`);
    }
    times.push(Date.now() - start);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  console.log(
    'tracemonkey.pdf end to end, cluster mode (upload -> completed -> md/txt/json downloaded)',
  );
  console.log(`cluster start: ${bootMs} ms`);
  console.log(`runs (ms): ${times.join(', ')}`);
  console.log(`median: ${median} ms, best: ${sorted[0]} ms`);
} finally {
  await cluster.stop();
}
