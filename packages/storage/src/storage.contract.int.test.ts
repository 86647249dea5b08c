import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DocatError } from '@docat/contracts';
import { startS3Server } from '@docat/testing';
import { createStorage } from './create-storage.js';
import { FsStorage } from './fs.storage.js';
import { InvalidObjectKeyError } from './keys.js';
import { INVALID_KEYS } from './invalid-keys.fixture.js';
import type { ObjectStorage } from './object-storage.js';
import { S3Storage } from './s3.storage.js';

interface Fixture {
  storage: ObjectStorage;
  keepsContentType: boolean;
  presigns: boolean;
  /** s3rver walks its folders instead of sorting keys; S3 and MinIO return byte order. */
  listsInKeyOrder: boolean;
  cleanup(): Promise<void>;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function keys(storage: ObjectStorage, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const object of storage.list(prefix)) out.push(object.key);
  return out;
}

function chunked(data: Buffer, chunkSize = 64 * 1024): Readable {
  let offset = 0;
  return new Readable({
    read() {
      if (offset >= data.length) this.push(null);
      else {
        this.push(data.subarray(offset, offset + chunkSize));
        offset += chunkSize;
      }
    },
  });
}

/** A body that produces `before` bytes and then fails, like a dropped client upload. */
function failingAfter(before: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= before) {
        this.destroy(new Error('client went away'));
        return;
      }
      sent += 16 * 1024;
      this.push(randomBytes(16 * 1024));
    },
  });
}

const isCode = (code: string) => (err: unknown) => err instanceof DocatError && err.code === code;

const adapters: { name: string; setup(): Promise<Fixture> }[] = [
  {
    name: 'FsStorage',
    async setup() {
      const root = await mkdtemp(join(tmpdir(), 'docat-fs-storage-'));
      return {
        storage: new FsStorage(root),
        keepsContentType: false,
        presigns: false,
        listsInKeyOrder: true,
        cleanup: () => rm(root, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'S3Storage',
    async setup() {
      const server = await startS3Server();
      const storage = new S3Storage({
        endpoint: server.endpoint,
        bucket: server.bucket,
        region: server.region,
        accessKeyId: server.accessKeyId,
        secretAccessKey: server.secretAccessKey,
        forcePathStyle: true,
      });
      return {
        storage,
        keepsContentType: true,
        presigns: true,
        listsInKeyOrder: false,
        cleanup: async () => {
          storage.destroy();
          await server.stop();
        },
      };
    },
  },
];

for (const adapter of adapters) {
  describe(`${adapter.name} contract`, () => {
    let fixture: Fixture;
    let storage: ObjectStorage;
    before(async () => {
      fixture = await adapter.setup();
      storage = fixture.storage;
    });
    after(() => fixture.cleanup());

    test('put a buffer, get it back, head describes it', async () => {
      const body = Buffer.from('%PDF-1.7 small object');
      const info = await storage.put('t/basic/a.pdf', body, { contentType: 'application/pdf' });
      assert.equal(info.key, 't/basic/a.pdf');
      assert.equal(info.bytes, body.length);
      assert.deepEqual(await readAll(await storage.get('t/basic/a.pdf')), body);
      const head = await storage.head('t/basic/a.pdf');
      assert.ok(head);
      assert.equal(head.bytes, body.length);
      assert.ok(head.lastModified instanceof Date);
      if (fixture.keepsContentType) assert.equal(head.contentType, 'application/pdf');
    });

    test('a streamed multi-part body arrives intact', async () => {
      const body = randomBytes(12 * 1024 * 1024 + 123);
      const info = await storage.put('t/stream/big.bin', chunked(body), {
        contentLength: body.length,
      });
      assert.equal(info.bytes, body.length);
      const back = await readAll(await storage.get('t/stream/big.bin'));
      assert.equal(
        createHash('sha256').update(back).digest('hex'),
        createHash('sha256').update(body).digest('hex'),
      );
    });

    test("a streamed body within one part, signed with the caller's hash, arrives intact", async () => {
      const body = randomBytes(1024 * 1024 + 17);
      const sha256 = createHash('sha256').update(body).digest('hex');
      let asked = 0;
      const info = await storage.put('t/stream/small.bin', chunked(body), {
        contentType: 'application/pdf',
        payloadSha256: () => {
          asked += 1;
          return sha256;
        },
      });
      assert.equal(info.bytes, body.length);
      assert.deepEqual(await readAll(await storage.get('t/stream/small.bin')), body);
      // Only a store that signs its payload asks, and then once, after the body ended.
      assert.ok(asked <= 1);
    });

    test('an empty object is an object', async () => {
      await storage.put('t/empty/zero', Buffer.alloc(0));
      assert.equal((await storage.head('t/empty/zero'))?.bytes, 0);
      assert.equal((await readAll(await storage.get('t/empty/zero'))).length, 0);
    });

    test('put replaces an existing object', async () => {
      await storage.put('t/replace/x', Buffer.from('first version'));
      await storage.put('t/replace/x', Buffer.from('second'));
      assert.equal((await readAll(await storage.get('t/replace/x'))).toString(), 'second');
      assert.equal((await storage.head('t/replace/x'))?.bytes, 6);
    });

    test('missing keys: get NOT_FOUND, head null, delete is a no-op', async () => {
      await assert.rejects(storage.get('t/missing/nope'), isCode('NOT_FOUND'));
      await assert.rejects(
        storage.get('t/missing/nope', { range: { start: 0, end: 1 } }),
        isCode('NOT_FOUND'),
      );
      assert.equal(await storage.head('t/missing/nope'), null);
      await storage.delete('t/missing/nope');
    });

    test('delete removes the object', async () => {
      await storage.put('t/delete/one', Buffer.from('x'));
      await storage.delete('t/delete/one');
      assert.equal(await storage.head('t/delete/one'), null);
      assert.deepEqual(await keys(storage, 't/delete/'), []);
    });

    test('byte ranges are inclusive, clamp at the end, and reject a start past it', async () => {
      await storage.put('t/range/digits', Buffer.from('0123456789'));
      const read = async (start: number, end?: number) =>
        (await readAll(await storage.get('t/range/digits', { range: { start, end } }))).toString();
      assert.equal(await read(2, 5), '2345');
      assert.equal(await read(7), '789');
      assert.equal(await read(8, 100), '89');
      assert.equal(await read(0, 0), '0');
      await assert.rejects(
        storage.get('t/range/digits', { range: { start: 10 } }),
        isCode('VALIDATION_FAILED'),
      );
      await assert.rejects(
        storage.get('t/range/digits', { range: { start: 5, end: 2 } }),
        isCode('VALIDATION_FAILED'),
      );
      await assert.rejects(
        storage.get('t/range/digits', { range: { start: -1 } }),
        isCode('VALIDATION_FAILED'),
      );
    });

    test('list returns keys under a prefix in S3 order', async () => {
      const listed = async (prefix: string) => {
        const found = await keys(storage, prefix);
        return fixture.listsInKeyOrder ? found : found.sort();
      };
      const all = [
        't/list/a-b',
        't/list/a.txt',
        't/list/a/b',
        't/list/a/c/d',
        't/list/b',
        't/list2/x',
        't/lis',
      ];
      for (const key of [...all].reverse()) await storage.put(key, Buffer.from(key));
      assert.deepEqual(await listed('t/list/'), [
        't/list/a-b',
        't/list/a.txt',
        't/list/a/b',
        't/list/a/c/d',
        't/list/b',
      ]);
      assert.deepEqual(await listed('t/list'), [
        't/list/a-b',
        't/list/a.txt',
        't/list/a/b',
        't/list/a/c/d',
        't/list/b',
        't/list2/x',
      ]);
      assert.deepEqual(await listed('t/list/a/'), ['t/list/a/b', 't/list/a/c/d']);
      assert.deepEqual(await listed('t/list/a'), [
        't/list/a-b',
        't/list/a.txt',
        't/list/a/b',
        't/list/a/c/d',
      ]);
      assert.deepEqual(await listed('t/nothing/'), []);
      const first = await storage.list('t/list/a/c/')[Symbol.asyncIterator]().next();
      assert.equal(first.value?.bytes, 't/list/a/c/d'.length);
    });

    test('list pages through more than one listing page', async () => {
      const many = Array.from({ length: 1005 }, (_, i) => `t/many/${String(i).padStart(4, '0')}`);
      for (let i = 0; i < many.length; i += 50)
        await Promise.all(many.slice(i, i + 50).map((key) => storage.put(key, Buffer.from('1'))));
      assert.deepEqual(await keys(storage, 't/many/'), many);
      assert.equal(await storage.deletePrefix('t/many/'), many.length);
      assert.deepEqual(await keys(storage, 't/many/'), []);
    });

    test('deletePrefix removes exactly the keys under the prefix', async () => {
      for (const key of ['t/dp/job1/a', 't/dp/job1/b/c', 't/dp/job10/a', 't/dp/job2/a'])
        await storage.put(key, Buffer.from('1'));
      assert.equal(await storage.deletePrefix('t/dp/job1/'), 2);
      assert.deepEqual(await keys(storage, 't/dp/'), ['t/dp/job10/a', 't/dp/job2/a']);
      assert.equal(await storage.deletePrefix('t/dp/job1/'), 0);
      await assert.rejects(storage.deletePrefix(''), isCode('INTERNAL'));
    });

    test('invalid keys are refused before the store is touched', async () => {
      for (const key of INVALID_KEYS) {
        const label = JSON.stringify(key.slice(0, 40));
        await assert.rejects(storage.put(key, Buffer.from('x')), InvalidObjectKeyError, label);
        await assert.rejects(storage.get(key), InvalidObjectKeyError, label);
        await assert.rejects(storage.head(key), InvalidObjectKeyError, label);
        await assert.rejects(storage.delete(key), InvalidObjectKeyError, label);
      }
      await assert.rejects(async () => {
        for await (const _ of storage.list('../')) break;
      }, InvalidObjectKeyError);
    });

    test('a body of the wrong length stores nothing and keeps the previous version', async () => {
      await storage.put('t/len/x', Buffer.from('previous'));
      await assert.rejects(
        storage.put('t/len/x', chunked(randomBytes(1000)), { contentLength: 999 }),
        isCode('VALIDATION_FAILED'),
      );
      await assert.rejects(
        storage.put('t/len/x', chunked(randomBytes(1000)), { contentLength: 1001 }),
        isCode('VALIDATION_FAILED'),
      );
      await assert.rejects(
        storage.put('t/len/x', Buffer.alloc(3), { contentLength: 4 }),
        isCode('VALIDATION_FAILED'),
      );
      assert.equal((await readAll(await storage.get('t/len/x'))).toString(), 'previous');
      await assert.rejects(
        storage.put('t/len/new', chunked(randomBytes(6 * 1024 * 1024)), { contentLength: 5 }),
      );
      assert.equal(await storage.head('t/len/new'), null);
    });

    test('a failing source or an abort leaves no object', async () => {
      await assert.rejects(
        storage.put('t/fail/src', failingAfter(7 * 1024 * 1024)),
        /client went away/,
      );
      assert.equal(await storage.head('t/fail/src'), null);

      const controller = new AbortController();
      const endless = new Readable({
        read() {
          this.push(randomBytes(64 * 1024));
        },
      });
      setTimeout(() => controller.abort(), 50);
      await assert.rejects(storage.put('t/fail/abort', endless, { signal: controller.signal }));
      endless.destroy();
      assert.equal(await storage.head('t/fail/abort'), null);
      assert.deepEqual(await keys(storage, 't/fail/'), []);
    });

    test('a small body that fails or stalls until aborted leaves no object', async () => {
      await assert.rejects(
        storage.put('t/fail2/src', failingAfter(300 * 1024)),
        /client went away/,
      );
      assert.equal(await storage.head('t/fail2/src'), null);
      // 256 KB, then nothing more: the put waits for the rest until it is aborted.
      const stalled = new Readable({ read() {} });
      stalled.push(randomBytes(256 * 1024));
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      await assert.rejects(storage.put('t/fail2/abort', stalled, { signal: controller.signal }));
      stalled.destroy();
      assert.equal(await storage.head('t/fail2/abort'), null);
    });

    test('presignGet', async () => {
      await storage.put('t/presign/doc.txt', Buffer.from('signed content'), {
        contentType: 'text/plain',
      });
      const url = await storage.presignGet('t/presign/doc.txt', 60);
      if (!fixture.presigns) {
        assert.equal(url, null);
        return;
      }
      assert.ok(url);
      const response = await fetch(url);
      assert.equal(response.status, 200);
      assert.equal(await response.text(), 'signed content');
      const tampered = url.replace('t/presign/doc.txt', 't/presign/other.txt');
      assert.notEqual((await fetch(tampered)).status, 200);
    });

    test('ping answers', async () => {
      await storage.ping();
    });
  });
}

describe('adapter specifics', () => {
  test('FsStorage never leaves temporary files behind and hides its own folders', async () => {
    const root = await mkdtemp(join(tmpdir(), 'docat-fs-storage-'));
    try {
      const storage = new FsStorage(root);
      await storage.put('a/b', Buffer.from('1'));
      await assert.rejects(storage.put('a/c', failingAfter(1024 * 1024)));
      assert.deepEqual(await readdir(join(root, '.tmp')), []);
      assert.deepEqual(await keys(storage, ''), ['a/b']);
      await storage.delete('a/b');
      assert.deepEqual((await readdir(root)).sort(), ['.tmp'], 'emptied folders are pruned');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  test('S3Storage signs for STORAGE_PUBLIC_URL and reports an unreachable store', async () => {
    const storage = new S3Storage({
      bucket: 'docat',
      endpoint: 'http://127.0.0.1:1',
      publicUrl: 'https://files.example.com',
      accessKeyId: 'id',
      secretAccessKey: 'secret',
    });
    try {
      const url = new URL((await storage.presignGet('results/j1/out.pdf', 300))!);
      assert.equal(url.origin, 'https://files.example.com');
      assert.equal(url.pathname, '/docat/results/j1/out.pdf');
      assert.equal(url.searchParams.get('X-Amz-Expires'), '300');
      await assert.rejects(storage.ping(), isCode('SERVICE_UNAVAILABLE'));
    } finally {
      storage.destroy();
    }
  });

  test('createStorage picks the adapter the configuration names', () => {
    assert.ok(createStorage({ storage: { driver: 'fs', root: '/tmp/x' } }) instanceof FsStorage);
    const s3 = createStorage({
      storage: { driver: 's3', bucket: 'b', region: 'us-east-1', forcePathStyle: true },
    });
    assert.ok(s3 instanceof S3Storage);
    s3.destroy();
  });
});
