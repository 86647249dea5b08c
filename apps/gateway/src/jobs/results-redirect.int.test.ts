import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { jobViewSchema, tokenPairSchema, type TokenPair } from '@docat/contracts';
import { corpusFile, requireCorpus } from '@docat/testing';
import { startGatewayStack, type GatewayStack } from '../testing/gateway.stack.js';
import { PRESIGNED_RESULT_TTL_SECONDS } from './results.service.js';

const corpus = requireCorpus('tracemonkey.pdf');

describe(
  'results with STORAGE_PUBLIC_URL: a short-lived presigned redirect, after the ownership check',
  { skip: corpus.skip },
  () => {
    let stack: GatewayStack;
    const url = (path: string) => `${stack.baseUrl}${path}`;

    async function session(email: string): Promise<TokenPair> {
      const body = JSON.stringify({ email, password: 'a-long-password' });
      const headers = { 'content-type': 'application/json' };
      assert.equal(
        (await fetch(url('/v1/auth/register'), { method: 'POST', headers, body })).status,
        202,
      );
      return tokenPairSchema.parse(
        await (await fetch(url('/v1/auth/login'), { method: 'POST', headers, body })).json(),
      );
    }

    before(async () => {
      stack = await startGatewayStack({ STORAGE_PUBLIC_URL: 'https://files.example.test' });
    });
    after(() => stack?.stop());

    test('the owner is redirected to a link signed for the public endpoint; a stranger gets 404', async () => {
      const alice = await session('alice@example.org');
      const bob = await session('bob@example.org');
      const form = new FormData();
      form.append('targetLanguage', 'de');
      form.append('file', new Blob([await readFile(corpusFile('tracemonkey.pdf'))]), 'paper.pdf');
      const created = await fetch(url('/v1/documents'), {
        method: 'POST',
        headers: { authorization: `Bearer ${alice.accessToken}` },
        body: form,
      });
      assert.equal(created.status, 202);
      const job = jobViewSchema.parse(await created.json());

      const res = await fetch(url(`/v1/jobs/${job.id}/result?format=md`), {
        headers: { authorization: `Bearer ${alice.accessToken}` },
        redirect: 'manual',
      });
      assert.equal(res.status, 302);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const link = new URL(res.headers.get('location') ?? '');
      assert.equal(link.origin, 'https://files.example.test');
      assert.equal(link.searchParams.get('X-Amz-Expires'), String(PRESIGNED_RESULT_TTL_SECONDS));
      assert.ok(PRESIGNED_RESULT_TTL_SECONDS <= 900, 'valid for minutes, not hours');
      assert.match(link.pathname, new RegExp(`/results/${job.id}/result\\.md$`));
      assert.ok(!link.pathname.includes('paper'), 'the key is not built from the uploaded name');

      const stranger = await fetch(url(`/v1/jobs/${job.id}/result?format=md`), {
        headers: { authorization: `Bearer ${bob.accessToken}` },
        redirect: 'manual',
      });
      assert.equal(stranger.status, 404);
      assert.equal(stranger.headers.get('location'), null);
    });
  },
);
