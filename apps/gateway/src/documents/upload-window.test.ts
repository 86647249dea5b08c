import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { corpusFile, requireCorpus } from '@docat/testing';
import { pageTreeCount } from '@docat/pdf/page-tree';
import { UploadGuard } from './upload-guard.js';
import { countDeclaredPages, UploadWindow } from './upload-window.js';

function chunked(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size));
  return out;
}

function windowOf(bytes: Buffer, chunk: number, keep: number): UploadWindow {
  const window = new UploadWindow(keep);
  for (const part of chunked(bytes, chunk)) window.add(part);
  return window;
}

/** Streams `bytes` through an UploadGuard, as the upload does; answers the guard. */
async function guarded(bytes: Buffer): Promise<UploadGuard> {
  const guard = new UploadGuard(100_000_000);
  const sink = new Writable({ write: (_chunk, _enc, done) => done() });
  await pipeline(Readable.from(chunked(bytes, 65_536)), guard, sink);
  return guard;
}

/** Text, scanned, encrypted, damaged, right-to-left and form files: counted, or null for the probe. */
const CORPUS = [
  'tracemonkey.pdf',
  'issue19971.pdf',
  'TAMReview.pdf',
  'truncated-TAMReview.pdf',
  'scanned-tracemonkey-p1-2.pdf',
  'empty_protected.pdf',
  'print_protection.pdf',
  'issue9418.pdf',
  'issue9972-1.pdf',
  'korean-report-4p.pdf',
  'persian-form-rtl.pdf',
  'prefilled_f1040.pdf',
  'file_pdfjs_test.pdf',
  'standard_fonts.pdf',
];
const corpus = requireCorpus(...CORPUS);

describe('UploadWindow', () => {
  test('a file up to twice the window is kept whole: every range answers its bytes', () => {
    const bytes = randomBytes(5_000);
    const window = windowOf(bytes, 333, 2_500);
    for (const [start, end] of [
      [0, 0],
      [0, 4_999],
      [2_400, 2_700],
      [4_990, 6_000],
      [1, 332],
      [333, 333],
    ] as const)
      assert.deepEqual(window.slice(start, end), bytes.subarray(start, end + 1), `${start}-${end}`);
  });

  test('a larger file keeps its first and last `keep` bytes, not the middle', () => {
    const bytes = randomBytes(20_000);
    const window = windowOf(bytes, 700, 3_000);
    assert.deepEqual(window.slice(0, 2_999), bytes.subarray(0, 3_000));
    assert.deepEqual(window.slice(17_000, 19_999), bytes.subarray(17_000));
    assert.deepEqual(window.slice(19_990, 25_000), bytes.subarray(19_990));
    // The middle was dropped: the caller must read it from storage.
    assert.equal(window.slice(8_000, 8_100), null);
    assert.equal(window.slice(2_000, 18_000), null);
    assert.equal(window.slice(-1, 10), null);
    assert.equal(window.slice(30_000, 30_010), null);
  });

  test('holds at most about twice `keep` bytes of chunks', () => {
    const keep = 4_096;
    const window = new UploadWindow(keep);
    let held = 0;
    const chunks = chunked(randomBytes(100_000), 1_000);
    for (const chunk of chunks) window.add(chunk);
    // What is reachable: the head's chunks and the tail's, found by asking for each byte range.
    for (let at = 0; at < 100_000; at += 1_000) if (window.slice(at, at + 999)) held += 1_000;
    assert.ok(held <= 2 * keep + 2_000, `${held} bytes held`);
  });
});

describe('countDeclaredPages', { skip: corpus.skip }, () => {
  test('a 1 MB paper is counted from the streamed bytes alone, without reading storage', async () => {
    const bytes = await readFile(corpusFile('tracemonkey.pdf'));
    const guard = await guarded(bytes);
    const reads: [number, number][] = [];
    const count = await countDeclaredPages(guard.window, async (start, end) => {
      reads.push([start, end]);
      return bytes.subarray(start, end + 1);
    });
    assert.equal(count, 14);
    assert.deepEqual(reads, []);
  });

  test('a file larger than the window gives the count a read of the stored object would', async () => {
    const bytes = await readFile(corpusFile('issue19971.pdf'));
    const fromStorage = await pageTreeCount(
      async (start, end) => bytes.subarray(start, end + 1),
      bytes.length,
    );
    assert.notEqual(fromStorage, null);
    // A small window, so that the middle of the file is not kept and storage answers for it.
    const window = windowOf(bytes, 65_536, 64 * 1024);
    const reads: [number, number][] = [];
    const count = await countDeclaredPages(window, async (start, end) => {
      reads.push([start, end]);
      return bytes.subarray(start, end + 1);
    });
    assert.equal(count, fromStorage);
    assert.ok(reads.length > 0, 'the middle of the file was read from storage');
    for (const [start] of reads) assert.ok(start >= 64 * 1024 && start < bytes.length - 64 * 1024);
  });

  test('every corpus file counts as a read of the stored object would, with a window small enough to need storage', async () => {
    for (const file of CORPUS) {
      const bytes = await readFile(corpusFile(file));
      const stored = async (start: number, end: number) => bytes.subarray(start, end + 1);
      const expected = await pageTreeCount(stored, bytes.length);
      for (const keep of [16 * 1024, 1024 * 1024]) {
        const window = windowOf(bytes, 65_536, keep);
        assert.equal(await countDeclaredPages(window, stored), expected, `${file}, ${keep}`);
      }
    }
  });

  test('a failing storage read leaves the count to ingestion (undefined); an unreadable page tree is null', async () => {
    const bytes = await readFile(corpusFile('issue19971.pdf'));
    const window = windowOf(bytes, 65_536, 64 * 1024);
    assert.equal(
      await countDeclaredPages(window, () => Promise.reject(new Error('storage is gone'))),
      undefined,
    );
    const junk = Buffer.from('%PDF-1.7\n' + 'x'.repeat(5_000) + '\n%%EOF\n', 'latin1');
    assert.equal(
      await countDeclaredPages(windowOf(junk, 1_000, 4_096), () => Promise.reject(new Error())),
      null,
    );
  });
});
