import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { clusterOnly, corpusFile, requireCorpus, useCluster, type ClusterLease } from '@docat/testing';
import { DocatApi } from './docat-api.js';

const corpus = requireCorpus('standard_fonts.pdf');

/** Every field value of every stream entry under `prefix`, as raw text. */
async function streamTexts(redis: Redis, prefix: string): Promise<{ key: string; text: string }[]> {
  const out: { key: string; text: string }[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      if ((await redis.type(key)) !== 'stream') continue;
      for (const [, fields] of await redis.xrange(key, '-', '+')) out.push({ key, text: fields.join('\n') });
    }
  } while (cursor !== '0');
  return out;
}

describe('secrets on the bus', { skip: corpus.skip || clusterOnly() }, () => {
  let lease: ClusterLease;
  let redis: Redis;

  before(async () => {
    lease = await useCluster();
    redis = new Redis(lease.cluster.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
  });
  after(async () => {
    redis?.disconnect();
    await lease?.release();
  });

  test('a PDF password crosses Redis Streams only sealed: no stream entry holds it in clear', async () => {
    const api = new DocatApi(lease.cluster.gateways);
    await api.registerFresh();
    const password = `pdf-password-${randomBytes(9).toString('hex')}`;
    const upload = await api.uploadFile(corpusFile('standard_fonts.pdf'), { outputs: 'md', password, noCache: 'true' });
    assert.equal(upload.status, 202, JSON.stringify(upload.body));
    const job = await api.waitFinished(upload.body.id);
    assert.equal(job.state, 'completed', JSON.stringify(job.error));

    const entries = await streamTexts(redis, lease.cluster.redisPrefix);
    const creates = entries.filter((e) => e.text.includes('"jobs.create"') && e.text.includes(upload.body.file.sha256 ?? '\0'));
    assert.equal(creates.length, 1, 'the jobs.create request of this upload is still in its stream');
    assert.match(creates[0]!.text, /"passwordSecret":"enc:v1:/, 'it carries the sealed password');
    const leaks = entries.filter((e) => e.text.includes(password)).map((e) => e.key);
    assert.deepEqual(leaks, [], `the password is in clear in ${leaks.join(', ')}`);
    // The encoded forms a careless serializer could produce.
    for (const encoded of [Buffer.from(password).toString('base64'), Buffer.from(password).toString('hex')]) {
      assert.deepEqual(entries.filter((e) => e.text.includes(encoded)).map((e) => e.key), [], `the password is on the bus as ${encoded}`);
    }
  });
});
