import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pseudoTranslate } from '@docat/translate';
import {
  clusterOnly,
  corpusFile,
  requireCorpus,
  useCluster,
  type ClusterLease,
} from '@docat/testing';
import { DocatApi } from './docat-api.js';
import { findInLogs } from './cluster-logs.js';
import { RPC, type JobEvent } from '@docat/contracts';
import { RedisStreamsClient, createBusClient } from '@docat/transport';

const TITLE = 'Trace-based Just-in-Time Type Specialization for Dynamic Languages';
const corpus = requireCorpus('tracemonkey.pdf');

describe('a PDF through the six modules and out again', { skip: corpus.skip }, () => {
  let lease: ClusterLease;
  let api: DocatApi;
  let jobId: string;

  before(async () => {
    lease = await useCluster();
    api = new DocatApi(lease.cluster.gateways);
    await api.registerFresh();
  });
  after(() => lease?.release());

  test('upload tracemonkey.pdf, poll to completed', async () => {
    const started = Date.now();
    const upload = await api.uploadFile(corpusFile('tracemonkey.pdf'));
    assert.equal(upload.status, 202, JSON.stringify(upload.body));
    assert.equal(upload.body.cached, false);
    jobId = upload.body.id;
    const job = await api.waitFinished(jobId);
    console.log(
      `tracemonkey end to end (${lease.cluster.target} mode): ${Date.now() - started} ms`,
    );
    assert.equal(job.state, 'completed', JSON.stringify(job.error));
    assert.equal(job.stage, 'done');
    assert.equal(job.progress.percent, 100);
    assert.equal(job.pages, 14);
    assert.ok(
      job.warnings.some((w) => w.kind === 'pseudo_engine'),
      'the pseudo engine is labelled on the job',
    );
  });

  test('md, txt and json carry the pseudo-translated title and the extracted original', async () => {
    const expected = pseudoTranslate(TITLE, 'de');
    const md = await api.result(jobId, 'md');
    assert.equal(md.status, 200);
    assert.match(md.headers.get('content-type') ?? '', /markdown/);
    assert.ok(md.headers.get('etag'), 'results carry an ETag');
    assert.ok(
      md.body.includes(expected),
      `md lacks the pseudo title ${expected}:\n${md.body.slice(0, 600)}`,
    );
    assert.ok(!md.body.includes(TITLE), 'md is the translation, not the original');

    const txt = await api.result(jobId, 'txt');
    assert.equal(txt.status, 200);
    assert.ok(
      txt.body.includes(expected),
      `txt lacks the pseudo title:\n${txt.body.slice(0, 600)}`,
    );

    const json = await api.result(jobId, 'json');
    assert.equal(json.status, 200);
    const parsed = JSON.parse(json.body) as {
      document: { pageCount: number; pages: { blocks: { text: string }[] }[] };
      translation: { engine: string };
    };
    assert.equal(parsed.document.pageCount, 14);
    assert.equal(parsed.translation.engine, 'pseudo');
    const texts = parsed.document.pages.flatMap((p) =>
      p.blocks.map((b) => b.text.replace(/\s+/g, ' ')),
    );
    assert.ok(
      texts.some((t) => t.includes(TITLE)),
      'the extracted JSON holds the English title',
    );
  });

  test('the same upload again is answered from the result cache with no new work', async () => {
    const again = await api.uploadFile(corpusFile('tracemonkey.pdf'));
    assert.equal(again.status, 202);
    assert.notEqual(again.body.id, jobId, 'a new job record');
    assert.equal(again.body.cached, true);
    assert.equal(again.body.state, 'completed');
    assert.equal(again.body.billedCharacters, 0);
    const [first, second] = await Promise.all([
      api.result(jobId, 'md'),
      api.result(again.body.id, 'md'),
    ]);
    assert.equal(second.status, 200);
    assert.equal(second.body, first.body);
    await new Promise((r) => setTimeout(r, 500));
    // Every step a worker runs logs its job id: the first job has such lines, the cached job none.
    assert.ok(
      (await findInLogs(lease.cluster, 'extraction', `job=${jobId}`)).length > 0,
      'the workers log their job ids',
    );
    assert.deepEqual(
      await findInLogs(lease.cluster, 'extraction', `job=${again.body.id}`),
      [],
      'no extraction or render ran',
    );
    assert.deepEqual(
      await findInLogs(lease.cluster, 'translation', `job=${again.body.id}`),
      [],
      'no translation ran',
    );
  });

  test(
    'the notification service kept the job events in order, ending with completed (cluster only: reads them over Redis)',
    { skip: clusterOnly() },
    async () => {
      const bus = createBusClient(
        new RedisStreamsClient({ url: lease.cluster.redisUrl, prefix: lease.cluster.redisPrefix }),
      );
      try {
        const { events } = await bus.call<{ events: JobEvent[] }>(
          RPC.NOTIFY_EVENTS,
          { jobId, afterSeq: 0 },
          { timeoutMs: 10_000 },
        );
        assert.ok(events.length >= 3, `events: ${JSON.stringify(events)}`);
        assert.deepEqual(
          events.map((e) => e.seq),
          events.map((_, i) => i + 1),
          'seq counts up from 1 without gaps',
        );
        assert.equal(events.at(-1)!.type, 'completed');
        const resumed = await bus.call<{ events: JobEvent[] }>(
          RPC.NOTIFY_EVENTS,
          { jobId, afterSeq: events.length - 1 },
          { timeoutMs: 10_000 },
        );
        assert.deepEqual(
          resumed.events.map((e) => e.seq),
          [events.length],
        );
      } finally {
        await bus.close();
      }
    },
  );

  test('a cancelled job stops and has no result', async () => {
    const upload = await api.uploadFile(corpusFile('tracemonkey.pdf'), { noCache: 'true' });
    assert.equal(upload.status, 202);
    const cancel = await api.cancel(upload.body.id);
    assert.equal(cancel.status, 200, JSON.stringify(cancel.body));
    assert.equal(cancel.body.state, 'cancelled');
    assert.equal((await api.job(upload.body.id)).body.state, 'cancelled');
    const again = await api.cancel(upload.body.id);
    assert.equal(again.status, 409);
    assert.equal((await api.result(upload.body.id, 'md')).status, 409);
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal(
      (await findInLogs(lease.cluster, 'extraction', `render done job=${upload.body.id}`)).length,
      0,
      'nothing was rendered',
    );
  });

  test('the history lists the jobs newest first, paginated by cursor', async () => {
    const firstPage = await api.list('?limit=1');
    assert.equal(firstPage.status, 200);
    assert.equal(firstPage.body.items.length, 1);
    assert.ok(firstPage.body.nextCursor);
    const all: string[] = [firstPage.body.items[0]!.id];
    let cursor: string | null = firstPage.body.nextCursor;
    while (cursor) {
      const page = await api.list(`?limit=1&cursor=${cursor}`);
      assert.equal(page.status, 200);
      all.push(...page.body.items.map((j) => j.id));
      cursor = page.body.nextCursor;
    }
    assert.equal(all.length, 3, 'the job, its cached twin and the cancelled one');
    assert.equal(all.at(-1), jobId, 'the oldest job comes last');
    assert.deepEqual([...all].sort().reverse(), all, 'newest first');
  });
});
