import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import {
  clusterOnly,
  corpusFile,
  requireCorpus,
  useCluster,
  type ClusterLease,
} from '@docat/testing';
import { DocatApi } from './docat-api.js';

const corpus = requireCorpus('standard_fonts.pdf');

/** Adds every stream entry under `prefix` not seen before to `seen` (stream key + entry id -> raw field text). */
async function collectStreams(
  redis: Redis,
  prefix: string,
  seen: Map<string, { key: string; text: string }>,
): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      if ((await redis.type(key)) !== 'stream') continue;
      for (const [id, fields] of await redis.xrange(key, '-', '+'))
        seen.set(`${key} ${id}`, { key, text: fields.join('\n') });
    }
  } while (cursor !== '0');
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
    // Acknowledged entries are trimmed after a while: read every stream all along the job.
    const seen = new Map<string, { key: string; text: string }>();
    let polling = true;
    const poller = (async () => {
      while (polling) {
        await collectStreams(redis, lease.cluster.redisPrefix, seen);
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    let job;
    let upload;
    try {
      upload = await api.uploadFile(corpusFile('standard_fonts.pdf'), {
        outputs: 'md',
        password,
        noCache: 'true',
      });
      assert.equal(upload.status, 202, JSON.stringify(upload.body));
      job = await api.waitFinished(upload.body.id);
    } finally {
      polling = false;
      await poller;
    }
    assert.equal(job.state, 'completed', JSON.stringify(job.error));
    await collectStreams(redis, lease.cluster.redisPrefix, seen);

    const entries = [...seen.values()];
    // Other files of the shared cluster upload the same PDF, without a password.
    const creates = entries.filter(
      (e) =>
        e.text.includes('"jobs.create"') &&
        e.text.includes(upload.body.file.sha256 ?? '\0') &&
        e.text.includes('"passwordSecret"'),
    );
    assert.equal(
      creates.length,
      1,
      'the jobs.create request of this upload is still in its stream',
    );
    assert.match(creates[0]!.text, /"passwordSecret":"enc:v1:/, 'it carries the sealed password');
    const leaks = entries.filter((e) => e.text.includes(password)).map((e) => e.key);
    assert.deepEqual(leaks, [], `the password is in clear in ${leaks.join(', ')}`);
    // The encoded forms a careless serializer could produce.
    for (const encoded of [
      Buffer.from(password).toString('base64'),
      Buffer.from(password).toString('hex'),
    ]) {
      assert.deepEqual(
        entries.filter((e) => e.text.includes(encoded)).map((e) => e.key),
        [],
        `the password is on the bus as ${encoded}`,
      );
    }
  });
});
