import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { Readable } from 'node:stream';
import { loadConfig } from '@docat/config';
import { startS3Server, type S3TestServer } from '@docat/testing';
import { createStorage } from './create-storage.js';
import type { S3Storage } from './s3.storage.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/**
 * s3rver stores objects but ignores server-side encryption, so the test stands a
 * recording proxy between the adapter and the server: each request reaches s3rver
 * unchanged, and its headers are kept to check what the adapter asked for.
 */
function recordingProxy(
  target: string,
): Promise<{ server: Server; endpoint: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const forward = request(
      {
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        server,
        endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
        seen,
      }),
    ),
  );
}

function env(s3: S3TestServer, endpoint: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    STORAGE_DRIVER: 's3',
    S3_ENDPOINT: endpoint,
    S3_BUCKET: s3.bucket,
    S3_REGION: s3.region,
    S3_ACCESS_KEY_ID: s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    ...extra,
  };
}

describe('S3 server-side encryption (S3_SSE, S3_SSE_KMS_KEY_ID)', () => {
  let s3: S3TestServer;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;

  before(async () => {
    s3 = await startS3Server();
    proxy = await recordingProxy(s3.endpoint);
  });

  after(async () => {
    await new Promise((resolve) => proxy?.server.close(resolve));
    await s3?.stop();
  });

  const writes = (from: number) =>
    proxy.seen
      .slice(from)
      .filter((r) => r.method === 'PUT' || (r.method === 'POST' && r.url.includes('uploads')));

  test('aws:kms with a key id: single PUT and multipart creation both carry the headers', async () => {
    const storage = createStorage(
      loadConfig(
        env(s3, proxy.endpoint, { S3_SSE: 'aws:kms', S3_SSE_KMS_KEY_ID: 'alias/docat-results' }),
      ),
    ) as S3Storage;
    const from = proxy.seen.length;
    await storage.put('results/small.pdf', Buffer.from('%PDF-1.7 small'), {
      contentType: 'application/pdf',
    });
    // 11 MB streamed: lib-storage switches to a multipart upload (5 MB parts).
    const big = Buffer.alloc(11 * 1024 * 1024, 7);
    await storage.put(
      'results/big.pdf',
      Readable.from([big.subarray(0, 6_000_000), big.subarray(6_000_000)]),
      { contentType: 'application/pdf' },
    );
    const seen = writes(from);
    const single = seen.find(
      (r) => r.method === 'PUT' && r.url.includes('small.pdf') && !r.url.includes('partNumber'),
    );
    const create = seen.find((r) => r.method === 'POST' && r.url.includes('big.pdf'));
    assert.ok(single, 'a PutObject for the small object');
    assert.ok(create, 'a CreateMultipartUpload for the big object');
    for (const r of [single, create]) {
      assert.equal(r.headers['x-amz-server-side-encryption'], 'aws:kms', r.url);
      assert.equal(
        r.headers['x-amz-server-side-encryption-aws-kms-key-id'],
        'alias/docat-results',
        r.url,
      );
    }
    assert.ok(
      seen.filter((r) => r.url.includes('partNumber')).length >= 2,
      'the big object went up in parts',
    );
    // The objects really were stored.
    const back: Buffer[] = [];
    for await (const chunk of await storage.get('results/big.pdf')) back.push(chunk as Buffer);
    assert.equal(Buffer.concat(back).length, big.length);
  });

  test('AES256 sends the algorithm and no key id', async () => {
    const storage = createStorage(loadConfig(env(s3, proxy.endpoint, { S3_SSE: 'AES256' })));
    const from = proxy.seen.length;
    await storage.put('uploads/a.pdf', Buffer.from('%PDF-1.7 a'));
    const [put] = writes(from);
    assert.equal(put?.headers['x-amz-server-side-encryption'], 'AES256');
    assert.equal(put?.headers['x-amz-server-side-encryption-aws-kms-key-id'], undefined);
  });

  test('S3_SSE=none (the default) sends no encryption header', async () => {
    const storage = createStorage(loadConfig(env(s3, proxy.endpoint, {})));
    const from = proxy.seen.length;
    await storage.put('uploads/b.pdf', Buffer.from('%PDF-1.7 b'));
    const [put] = writes(from);
    assert.ok(put);
    assert.equal(put.headers['x-amz-server-side-encryption'], undefined);
  });

  test('a KMS key without aws:kms is a configuration error', () => {
    assert.throws(
      () => loadConfig(env(s3, proxy.endpoint, { S3_SSE: 'AES256', S3_SSE_KMS_KEY_ID: 'k' })),
      /S3_SSE_KMS_KEY_ID: is only used with S3_SSE=aws:kms/,
    );
  });
});
