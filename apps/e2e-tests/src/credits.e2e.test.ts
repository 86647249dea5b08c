import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { DryRun, JobList, Problem, Usage } from '@docat/contracts';
import { corpusFile, requireCorpus, useCluster, type ClusterLease } from '@docat/testing';
import { DocatApi } from './docat-api.js';

const corpus = requireCorpus('tracemonkey.pdf', 'scanned-tracemonkey-p1-2.pdf', 'bug1020226.pdf');

async function pdfForm(file: string): Promise<FormData> {
  const data = new FormData();
  data.append('targetLanguage', 'de');
  data.append(
    'file',
    new Blob([await readFile(corpusFile(file))], { type: 'application/pdf' }),
    file,
  );
  return data;
}

/** Usage once the job's settlement has landed (it follows the job's end by an RPC). */
async function settledUsage(api: DocatApi, timeoutMs = 20_000): Promise<Usage> {
  const deadline = Date.now() + timeoutMs;
  let last: Usage | undefined;
  while (Date.now() < deadline) {
    const res = await api.request<Usage>('GET', '/v1/usage');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    last = res.body;
    if (last.reserved === 0 && last.used > 0) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`usage not settled after ${timeoutMs} ms: ${JSON.stringify(last)}`);
}

describe(
  'credits, dry run, idempotency and your data through the gateways',
  { skip: corpus.skip },
  () => {
    let lease: ClusterLease;
    let api: DocatApi;
    let email: string;

    before(async () => {
      lease = await useCluster();
      api = new DocatApi(lease.cluster.gateways);
      ({ email } = await api.registerFresh());
    });
    after(() => lease?.release());

    test('a dry run answers pages, scanned pages and estimated credits, and creates no job', async () => {
      // One real job first, charged in the usage test below.
      const text = await api.uploadFile(corpusFile('tracemonkey.pdf'));
      assert.equal(text.status, 202, JSON.stringify(text.body));
      const before = (await api.list()).body.items.length;
      const form = pdfForm;
      const dry = await api.request<DryRun & Problem>('POST', '/v1/documents?dryRun=true', {
        body: await form('tracemonkey.pdf'),
      });
      assert.equal(dry.status, 200, JSON.stringify(dry.body));
      assert.deepEqual(
        [
          dry.body.dryRun,
          dry.body.pages,
          dry.body.scannedPages,
          dry.body.estimatedCredits,
          dry.body.sufficient,
        ],
        [true, 14, 0, 14, true],
      );
      const scanned = await api.request<DryRun & Problem>('POST', '/v1/documents?dryRun=1', {
        body: await form('scanned-tracemonkey-p1-2.pdf'),
      });
      assert.equal(scanned.status, 200, JSON.stringify(scanned.body));
      assert.deepEqual(
        [scanned.body.pages, scanned.body.scannedPages, scanned.body.estimatedCredits],
        [2, 2, 10],
      );
      assert.equal((await api.list()).body.items.length, before, 'no job was created');
      const bad = await api.request<Problem>('POST', '/v1/documents?dryRun=maybe', {
        body: await form('tracemonkey.pdf'),
      });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.code, 'VALIDATION_FAILED');
      await api.waitFinished(text.body.id);
    });

    test('Idempotency-Key answers the same job for the same file and options, 422 for another body', async () => {
      const key = `e2e-${Date.now().toString(36)}`;
      const fields = { targetLanguage: 'fr', outputs: 'md' };
      const first = await api.uploadFile(corpusFile('tracemonkey.pdf'), fields, {
        'idempotency-key': key,
      });
      assert.equal(first.status, 202, JSON.stringify(first.body));
      const again = await api.uploadFile(corpusFile('tracemonkey.pdf'), fields, {
        'idempotency-key': key,
      });
      assert.equal(again.status, 202);
      assert.equal(again.body.id, first.body.id);
      const other = await api.uploadFile(
        corpusFile('tracemonkey.pdf'),
        { ...fields, targetLanguage: 'it' },
        { 'idempotency-key': key },
      );
      assert.equal(other.status, 422);
      assert.equal(other.body.code, 'IDEMPOTENCY_KEY_REUSED');
      const done = await api.waitFinished(first.body.id);
      assert.equal(done.state, 'completed', JSON.stringify(done.error));
    });

    test('usage shows the pages charged once per job, nothing reserved after the jobs ended', async () => {
      const usage = await settledUsage(api);
      // Two completed 14-page jobs with the free pseudo engine: 28 text pages, no OCR, no paid characters.
      assert.deepEqual(usage.breakdown.text_pages, { quantity: 28, credits: 28 });
      assert.equal(usage.breakdown.ocr_pages.quantity, 0);
      assert.equal(usage.breakdown.translation.credits, 0);
      assert.equal(usage.used, 28);
      assert.ok(
        usage.unlimited ? usage.available === null : usage.available === (usage.granted ?? 0) - 28,
      );
      assert.ok(
        new Date(usage.period.start) <= new Date() && new Date() < new Date(usage.period.end),
      );
    });

    test('GET /v1/me/export holds the account, its jobs and usage; DELETE /v1/me erases the account', async () => {
      const exported = await api.request<{
        account: { email: string };
        jobs: { id: string }[];
        usage: Usage;
        ledger: { kind: string }[];
      }>('GET', '/v1/me/export');
      assert.equal(exported.status, 200, JSON.stringify(exported.body));
      assert.match(exported.headers.get('content-disposition') ?? '', /attachment/);
      assert.equal(exported.body.account.email, email);
      assert.equal(exported.body.jobs.length, 2);
      assert.equal(exported.body.usage.used, 28);
      assert.deepEqual(
        exported.body.ledger.filter((e) => e.kind === 'settle').length,
        2,
        'one settlement per job',
      );

      const jobs = (await api.list()).body as JobList;
      const erased = await api.request<{ erased: boolean; jobs: number }>('DELETE', '/v1/me');
      assert.equal(erased.status, 200, JSON.stringify(erased.body));
      assert.deepEqual([erased.body.erased, erased.body.jobs], [true, 2]);
      const gone = await api.request<Problem>('GET', `/v1/jobs/${jobs.items[0]!.id}`);
      assert.notEqual(gone.status, 200, 'the erased account sees nothing any more');
      const login = await api.request<Problem>('POST', '/v1/auth/login', {
        json: { email, password: 'whatever-it-was' },
        auth: false,
      });
      assert.equal(login.status, 401);
    });
  },
);

describe('a file the sandbox refuses after its 202 costs nothing', { skip: corpus.skip }, () => {
  let lease: ClusterLease;
  let api: DocatApi;

  before(async () => {
    lease = await useCluster();
    api = new DocatApi(lease.cluster.gateways);
    await api.registerFresh();
  });
  after(() => lease?.release());

  test('the damaged PDF passes the cheap check (202), its job fails with PDF_CORRUPT, and the reservation is released', async () => {
    const upload = await api.uploadFile(corpusFile('bug1020226.pdf'));
    assert.equal(upload.status, 202, JSON.stringify(upload.body));
    const job = await api.waitFinished(upload.body.id, 60_000);
    assert.equal(job.state, 'failed');
    assert.equal(job.error?.code, 'PDF_CORRUPT');
    // The release follows the job's end by an RPC.
    const deadline = Date.now() + 20_000;
    let usage: Usage | undefined;
    while (Date.now() < deadline) {
      const res = await api.request<Usage>('GET', '/v1/usage');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      usage = res.body;
      if (usage.reserved === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(usage);
    assert.equal(usage.reserved, 0, `the reservation was released: ${JSON.stringify(usage)}`);
    assert.equal(usage.used, 0, 'nothing was charged');
    assert.deepEqual(usage.breakdown.text_pages, { quantity: 0, credits: 0 });
  });
});
