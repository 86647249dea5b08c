import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { MAX_UPLOAD_BYTES } from '@docat/contracts';
import { corpusFile, requireCorpus, useCluster, type ClusterLease } from '@docat/testing';
import { DocatApi } from './docat-api.js';

const corpus = requireCorpus('standard_fonts.pdf', 'empty.pdf', 'not-a-pdf.pdf', 'bug1020226.pdf', 'tracemonkey.pdf');

describe('ownership and upload checks through the gateways', { skip: corpus.skip }, () => {
  let lease: ClusterLease;
  let owner: DocatApi;
  let stranger: DocatApi;

  before(async () => {
    lease = await useCluster();
    owner = new DocatApi(lease.cluster.gateways);
    stranger = new DocatApi(lease.cluster.gateways);
    await Promise.all([owner.registerFresh(), stranger.registerFresh()]);
  });
  after(() => lease?.release());

  test('another user gets 404 on every job route, and the job is untouched', async () => {
    const upload = await owner.uploadFile(corpusFile('standard_fonts.pdf'));
    assert.equal(upload.status, 202, JSON.stringify(upload.body));
    const id = upload.body.id;
    const done = await owner.waitFinished(id);
    assert.equal(done.state, 'completed', JSON.stringify(done.error));

    const result = await stranger.result(id, 'md');
    const responses: { status: number; headers: Headers; body: unknown; gateway: string }[] = [
      await stranger.job(id),
      await stranger.job(id),
      result,
      await stranger.result(id, 'json'),
      await stranger.cancel(id),
    ];
    for (const res of responses) {
      assert.equal(res.status, 404, `${res.gateway}: ${JSON.stringify(res.body)}`);
      assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
    }
    assert.equal((JSON.parse(result.body) as { code: string }).code, 'NOT_FOUND');
    const list = await stranger.list();
    assert.equal(list.status, 200);
    assert.ok(!list.body.items.some((j) => j.id === id));
    assert.equal((await owner.job(id)).body.state, 'completed');
    assert.equal((await owner.result(id, 'md')).status, 200);
  });

  test('a status read after a cancel or an erase is fresh on every gateway: at once where it was sent, within 1 s elsewhere', async () => {
    const upload = await owner.uploadFile(corpusFile('tracemonkey.pdf'));
    assert.equal(upload.status, 202, JSON.stringify(upload.body));
    const id = upload.body.id;
    const gateways = lease.cluster.gateways;
    const read = async (gateway: string) => {
      const res = await fetch(`${gateway}/v1/jobs/${id}`, { headers: { authorization: `Bearer ${owner.token}` } });
      return { status: res.status, body: (await res.json()) as { state?: string; code?: string } };
    };
    // Every gateway keeps the running job's status.
    for (const gateway of gateways) for (let i = 0; i < 3; i++) assert.equal((await read(gateway)).status, 200);
    const cancelled = await owner.cancel(id);
    assert.equal(cancelled.status, 200, `the 14-page job was cancelled while it ran: ${JSON.stringify(cancelled.body)}`);
    const cancelledAt = Date.now();
    assert.equal((await read(cancelled.gateway)).body.state, 'cancelled', 'the gateway that cancelled answers the new state at once');
    for (const gateway of gateways) {
      const wait = cancelledAt + 1_000 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      assert.equal((await read(gateway)).body.state, 'cancelled', `${gateway} answers the cancel within 1 s`);
    }

    const erased = await owner.request<{ id: string }>('POST', `/v1/jobs/${id}/erase`);
    assert.equal(erased.status, 200, JSON.stringify(erased.body));
    const erasedAt = Date.now();
    const gone = await read(erased.gateway);
    assert.equal(gone.status, 404, 'the gateway that erased answers 404 at once');
    for (const gateway of gateways) {
      const wait = erasedAt + 1_000 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const res = await read(gateway);
      assert.equal(res.status, 404, `${gateway} forgets the erased job within 1 s`);
      assert.equal(res.body.code, 'NOT_FOUND');
    }
  });

  test('an empty file is 400 EMPTY_FILE', async () => {
    const res = await owner.uploadFile(corpusFile('empty.pdf'));
    assert.equal(res.status, 400);
    assert.equal(res.body.code, 'EMPTY_FILE');
  });

  test('a PNG named .pdf is 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await owner.uploadFile(corpusFile('not-a-pdf.pdf'));
    assert.equal(res.status, 415);
    assert.equal(res.body.code, 'UNSUPPORTED_MEDIA_TYPE');
  });

  test('a file over 50,000,000 bytes is 413 FILE_TOO_LARGE', async () => {
    const head = await readFile(corpusFile('standard_fonts.pdf'));
    const big = new Blob([head, new Uint8Array(MAX_UPLOAD_BYTES + 1 - head.length)], { type: 'application/pdf' });
    assert.equal(big.size, MAX_UPLOAD_BYTES + 1);
    const res = await owner.uploadBytes(big, 'big.pdf');
    assert.equal(res.status, 413);
    assert.equal(res.body.code, 'FILE_TOO_LARGE');
  });

  test('a damaged PDF is accepted, then its job fails with PDF_CORRUPT', async () => {
    const upload = await owner.uploadFile(corpusFile('bug1020226.pdf'));
    assert.equal(upload.status, 202, JSON.stringify(upload.body));
    const job = await owner.waitFinished(upload.body.id, 60_000);
    assert.equal(job.state, 'failed');
    assert.equal(job.error?.code, 'PDF_CORRUPT');
    const result = await owner.result(upload.body.id, 'md');
    assert.equal(result.status, 409);
  });
});
