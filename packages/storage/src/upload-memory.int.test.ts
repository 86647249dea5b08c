import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startS3Server, type S3TestServer } from '@docat/testing';
import { FsStorage } from './fs.storage.js';
import type { ObjectStorage } from './object-storage.js';
import { S3Storage } from './s3.storage.js';

/**
 * A 50 MB body streamed through each adapter must not be held in memory: this process's
 * RSS may grow by less than 30 MB while it passes. The S3-compatible server runs in a
 * child process, so its own buffers are not counted.
 *
 * V8 frees a Buffer's memory only when it collects the Buffer object, and with little
 * JavaScript allocation going on it lets tens of megabytes of dead buffers pile up
 * before collecting (measured here: 11 to 44 MB of growth, run to run, for the same
 * code). The asserted figure therefore collects garbage every 20 ms while sampling, so it
 * measures what the adapter holds rather than when V8 chose to collect; the figure
 * without that help is printed alongside.
 */
const BODY_BYTES = 50_000_000;
const RSS_BUDGET = 30_000_000;
const CHUNK = 64 * 1024;
const MB = 1_000_000;

function collectGarbage(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
const gc = collectGarbage();

/** Generates `total` bytes on demand (fresh buffers, as a network socket would) and hashes them. */
function generatedBody(total: number): { stream: Readable; digest(): string } {
  const pattern = randomBytes(CHUNK);
  const hash = createHash('sha256');
  let produced = 0;
  const stream = new Readable({
    read() {
      if (produced >= total) {
        this.push(null);
        return;
      }
      const size = Math.min(CHUNK, total - produced);
      const chunk = Buffer.allocUnsafe(size);
      pattern.copy(chunk, 0, 0, size);
      chunk.writeUInt32BE(produced / CHUNK, 0);
      produced += size;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { stream, digest: () => hash.digest('hex') };
}

interface Measured<T> {
  result: T;
  baseline: number;
  peak: number;
  ms: number;
}

async function measureRss<T>(work: () => Promise<T>, collect: boolean): Promise<Measured<T>> {
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  let ticks = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
    if (collect && ++ticks % 4 === 0) gc();
  }, 5);
  const started = performance.now();
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, baseline, peak, ms: performance.now() - started };
  } finally {
    clearInterval(sampler);
  }
}

function report(label: string, m: Measured<unknown>): void {
  const growth = (m.peak - m.baseline) / MB;
  console.log(
    `# ${label}: peak RSS growth ${growth.toFixed(1)} MB (baseline ${(m.baseline / MB).toFixed(1)} MB, ` +
      `peak ${(m.peak / MB).toFixed(1)} MB) in ${m.ms.toFixed(0)} ms, ${(BODY_BYTES / MB / (m.ms / 1000)).toFixed(0)} MB/s`,
  );
}

async function hashOf(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function checkStreaming(name: string, storage: ObjectStorage): Promise<void> {
  // Warm-up: load the code paths and fill the allocator once, so the measurement sees
  // only what the large body costs.
  const warm = generatedBody(12 * 1024 * 1024);
  await storage.put('warm/up', warm.stream);
  await hashOf(await storage.get('warm/up'));

  const body = generatedBody(BODY_BYTES);
  const upload = await measureRss(
    () => storage.put('big/50mb.bin', body.stream, { contentLength: BODY_BYTES }),
    true,
  );
  report(`${name}.put 50 MB`, upload);
  assert.equal(upload.result.bytes, BODY_BYTES);
  assert.equal((await storage.head('big/50mb.bin'))?.bytes, BODY_BYTES);

  // Run after the asserted upload, whose baseline must not include memory this one grew.
  const natural = await measureRss(
    () =>
      storage.put('big/natural.bin', generatedBody(BODY_BYTES).stream, {
        contentLength: BODY_BYTES,
      }),
    false,
  );
  report(`${name}.put 50 MB, GC left to V8 (not asserted)`, natural);
  await storage.delete('big/natural.bin');

  const download = await measureRss(async () => hashOf(await storage.get('big/50mb.bin')), true);
  report(`${name}.get 50 MB`, download);
  assert.equal(download.result, body.digest(), 'stored bytes differ from the generated body');

  assert.ok(
    upload.peak - upload.baseline < RSS_BUDGET,
    `upload grew RSS by ${(upload.peak - upload.baseline) / MB} MB`,
  );
  assert.ok(
    download.peak - download.baseline < RSS_BUDGET,
    `download grew RSS by ${(download.peak - download.baseline) / MB} MB`,
  );
}

describe('streaming 50 MB with bounded memory', () => {
  let server: S3TestServer;
  let root: string;
  before(async () => {
    server = await startS3Server();
    root = await mkdtemp(join(tmpdir(), 'docat-fs-storage-'));
  });
  after(async () => {
    await server?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  test('S3Storage (server in a child process)', async () => {
    const storage = new S3Storage({
      endpoint: server.endpoint,
      bucket: server.bucket,
      accessKeyId: server.accessKeyId,
      secretAccessKey: server.secretAccessKey,
    });
    try {
      await checkStreaming('S3Storage', storage);
    } finally {
      storage.destroy();
    }
  });

  test('FsStorage', async () => {
    await checkStreaming('FsStorage', new FsStorage(root));
  });
});
