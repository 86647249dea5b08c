import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fidelityReportSchema, type JobView } from '@docat/contracts';
import { pseudoTranslate } from '@docat/translate';
import {
  corpusFile,
  requireAll,
  requireCorpus,
  requireTools,
  useCluster,
  type ClusterLease,
} from '@docat/testing';
import { DocatApi } from './docat-api.js';

const TITLE = 'Trace-based Just-in-Time Type Specialization for Dynamic Languages';
const req = requireAll(requireCorpus('tracemonkey.pdf'), requireTools('pdftotext', 'pdfinfo'));
const squash = (s: string): string => s.replace(/\s+/gu, '');

describe(
  'the translated and the bilingual PDF through the result endpoint',
  { skip: req.skip },
  () => {
    let lease: ClusterLease;
    let api: DocatApi;
    let jobId: string;
    const work = mkdtempSync(join(tmpdir(), 'docat-e2e-pdf-'));

    before(async () => {
      lease = await useCluster();
      api = new DocatApi(lease.cluster.gateways);
      await api.registerFresh();
      const upload = await api.uploadFile(corpusFile('tracemonkey.pdf'), {
        pages: '1',
        outputs: 'pdf,dual',
        targetLanguage: 'ja',
        noCache: 'true',
      });
      assert.equal(upload.status, 202, JSON.stringify(upload.body));
      jobId = upload.body.id;
      const job = await api.waitFinished(jobId);
      assert.equal(job.state, 'completed', JSON.stringify(job.error));
    });
    after(() => {
      rmSync(work, { recursive: true, force: true });
      return lease?.release();
    });

    async function download(format: string): Promise<{ type: string; path: string }> {
      const res = await fetch(
        `${lease.cluster.gateways[0]}/v1/jobs/${jobId}/result?format=${format}`,
        { headers: { authorization: `Bearer ${api.token}` } },
      );
      assert.equal(res.status, 200, await res.clone().text());
      const path = join(work, `${format}.pdf`);
      writeFileSync(path, new Uint8Array(await res.arrayBuffer()));
      return { type: res.headers.get('content-type') ?? '', path };
    }

    test('format=pdf is a PDF whose text is the pseudo-translated title, not the original', async () => {
      const pdf = await download('pdf');
      assert.match(pdf.type, /^application\/pdf/u);
      const text = squash(
        execFileSync('pdftotext', ['-f', '1', '-l', '1', pdf.path, '-'], { encoding: 'utf8' }),
      );
      assert.ok(
        text.includes(squash(pseudoTranslate(TITLE, 'ja'))),
        `pseudo title missing in: ${text.slice(0, 300)}`,
      );
      assert.ok(!text.includes(squash(TITLE)), 'the source title is gone from the translated page');
      const info = execFileSync('pdfinfo', [pdf.path], { encoding: 'utf8' });
      assert.match(info, /^Pages:\s+1$/mu, 'a job over page 1 gives a one-page translated PDF');
    });

    test('format=dual puts the original and the translation on one wide page', async () => {
      const dual = await download('dual');
      assert.match(dual.type, /^application\/pdf/u);
      const info = execFileSync('pdfinfo', [dual.path], { encoding: 'utf8' });
      assert.match(info, /Page size:\s+1224 x 792 pts/u);
      assert.match(info, /^Pages:\s+1$/mu, 'a job over page 1 gives a one-page bilingual PDF');
      const text = squash(
        execFileSync('pdftotext', ['-f', '1', '-l', '1', dual.path, '-'], { encoding: 'utf8' }),
      );
      assert.ok(
        text.includes(squash(TITLE)) && text.includes(squash(pseudoTranslate(TITLE, 'ja'))),
        'both titles on the page',
      );
    });

    test('GET /v1/jobs/:id/report: the fidelity report of the rendered PDF, summarised in the job view', async () => {
      const res = await api.request<unknown>('GET', `/v1/jobs/${jobId}/report`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/u);
      assert.match(
        res.headers.get('content-disposition') ?? '',
        /^inline; filename="tracemonkey\.ja\.report\.json"/u,
      );
      const report = fidelityReportSchema.parse(res.body);
      assert.equal(report.measuredOn, 'pdf');
      assert.equal(report.targetLanguage, 'ja');
      assert.deepEqual(
        report.pages.map((p) => p.page),
        [1],
      );
      // Page 1 is prose: nearly all of it translated (the title and abstract included).
      assert.ok(report.pages[0]!.words > 400, `${report.pages[0]!.words} words`);
      assert.ok(report.summary.coverage > 0.95, JSON.stringify(report.summary));
      assert.ok(
        report.fonts.some((f) => f.output.some((o) => /Noto.*(JP|CJK)/iu.test(o))),
        JSON.stringify(report.fonts),
      );
      const view = await api.job(jobId);
      assert.deepEqual((view.body as JobView).fidelity, report.summary);
      const again = await api.request<unknown>('GET', `/v1/jobs/${jobId}/report`, {
        headers: { 'if-none-match': res.headers.get('etag')! },
      });
      assert.equal(again.status, 304);
    });

    test('a running job answers REPORT_NOT_READY, a cancelled one REPORT_NOT_AVAILABLE', async () => {
      const upload = await api.uploadFile(corpusFile('tracemonkey.pdf'), {
        pages: '1-3',
        outputs: 'pdf',
        targetLanguage: 'de',
        noCache: 'true',
      });
      assert.equal(upload.status, 202, JSON.stringify(upload.body));
      const early = await api.request<{ code: string }>('GET', `/v1/jobs/${upload.body.id}/report`);
      assert.equal(early.status, 409, JSON.stringify(early.body));
      assert.equal(early.body.code, 'REPORT_NOT_READY');
      assert.equal((await api.cancel(upload.body.id)).status, 200);
      const cancelled = await api.request<{ code: string }>(
        'GET',
        `/v1/jobs/${upload.body.id}/report`,
      );
      assert.equal(cancelled.status, 404, JSON.stringify(cancelled.body));
      assert.equal(cancelled.body.code, 'REPORT_NOT_AVAILABLE');
    });
  },
);
