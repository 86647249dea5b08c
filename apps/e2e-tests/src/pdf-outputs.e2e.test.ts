import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pseudoTranslate } from '@docat/translate';
import { corpusFile, requireAll, requireCorpus, requireTools, useCluster, type ClusterLease } from '@docat/testing';
import { DocatApi } from './docat-api.js';

const TITLE = 'Trace-based Just-in-Time Type Specialization for Dynamic Languages';
const req = requireAll(requireCorpus('tracemonkey.pdf'), requireTools('pdftotext', 'pdfinfo'));
const squash = (s: string): string => s.replace(/\s+/gu, '');

describe('the translated and the bilingual PDF through the result endpoint', { skip: req.skip }, () => {
  let lease: ClusterLease;
  let api: DocatApi;
  let jobId: string;
  const work = mkdtempSync(join(tmpdir(), 'docat-e2e-pdf-'));

  before(async () => {
    lease = await useCluster();
    api = new DocatApi(lease.cluster.gateways);
    await api.registerFresh();
    const upload = await api.uploadFile(corpusFile('tracemonkey.pdf'), { pages: '1', outputs: 'pdf,dual', targetLanguage: 'ja', noCache: 'true' });
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
    const res = await fetch(`${lease.cluster.gateways[0]}/v1/jobs/${jobId}/result?format=${format}`, { headers: { authorization: `Bearer ${api.token}` } });
    assert.equal(res.status, 200, await res.clone().text());
    const path = join(work, `${format}.pdf`);
    writeFileSync(path, new Uint8Array(await res.arrayBuffer()));
    return { type: res.headers.get('content-type') ?? '', path };
  }

  test('format=pdf is a PDF whose text is the pseudo-translated title, not the original', async () => {
    const pdf = await download('pdf');
    assert.match(pdf.type, /^application\/pdf/u);
    const text = squash(execFileSync('pdftotext', ['-f', '1', '-l', '1', pdf.path, '-'], { encoding: 'utf8' }));
    assert.ok(text.includes(squash(pseudoTranslate(TITLE, 'ja'))), `pseudo title missing in: ${text.slice(0, 300)}`);
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
    const text = squash(execFileSync('pdftotext', ['-f', '1', '-l', '1', dual.path, '-'], { encoding: 'utf8' }));
    assert.ok(text.includes(squash(TITLE)) && text.includes(squash(pseudoTranslate(TITLE, 'ja'))), 'both titles on the page');
  });
});
