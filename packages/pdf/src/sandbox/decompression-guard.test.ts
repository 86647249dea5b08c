import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { DocatError } from '@docat/contracts';
import { checkDecompressedSize } from './decompression-guard.js';

const MB = 1024 * 1024;

/** A file body holding each stream as `n 0 obj << /Filter ... >> stream ... endstream`. */
function file(streams: { data: Buffer; filter: string }[]): Uint8Array {
  const parts = streams.map((s, i) =>
    Buffer.concat([
      Buffer.from(`${i + 1} 0 obj\n<< /Length ${s.data.length} /Filter ${s.filter} >>\nstream\n`),
      s.data,
      Buffer.from('\nendstream\nendobj\n'),
    ]),
  );
  return new Uint8Array(
    Buffer.concat([Buffer.from('%PDF-1.7\n'), ...parts, Buffer.from('%%EOF\n')]),
  );
}

const refused = (err: unknown) => err instanceof DocatError && err.code === 'PDF_RESOURCE_LIMIT';

test('a stream too short to pass the bound at deflate’s highest ratio is counted by its bound', async () => {
  const data = deflateSync(Buffer.alloc(64 * 1024, 0x20));
  const total = await checkDecompressedSize(
    file([{ data, filter: '/FlateDecode' }]),
    1024 * MB,
    256 * MB,
  );
  // An upper bound: at least the real size, at most 1032 times the stream's length (the
  // stream runs to the line end before `endstream`).
  assert.ok(total >= 64 * 1024 && total <= (data.length + 1) * 1032, String(total));
});

test('one stream past the per-stream cap is refused', async () => {
  const data = deflateSync(Buffer.alloc(32 * MB, 0x20), { level: 9 });
  await assert.rejects(
    checkDecompressedSize(file([{ data, filter: '/FlateDecode' }]), 1024 * MB, 16 * MB),
    refused,
  );
});

test('a bomb deflated twice is refused through both layers', async () => {
  const once = deflateSync(Buffer.alloc(32 * MB, 0x20), { level: 9 });
  const twice = deflateSync(once, { level: 9 });
  // Its first layer alone is small: only counting through the second finds the bomb.
  assert.ok(once.length < 16 * MB);
  await assert.rejects(
    checkDecompressedSize(
      file([{ data: twice, filter: '[/FlateDecode /FlateDecode]' }]),
      1024 * MB,
      16 * MB,
    ),
    refused,
  );
});

test('many streams whose bounds add up past the total are inflated and pass on their real size', async () => {
  // Text-like data compresses a few times, far from deflate's highest ratio.
  let seed = 7;
  const text = Buffer.from(
    Array.from({ length: 256 * 1024 }, () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return 'abcdefghijklmnopqrstuvwxyz  '[seed % 28]!;
    }).join(''),
  );
  const data = deflateSync(text);
  const streams = Array.from({ length: 40 }, () => ({ data, filter: '/FlateDecode' }));
  // Bounds: 40 x 1032 x length, far above 32 MB; real: 40 x 256 KB = 10 MB.
  assert.ok(40 * data.length * 1032 > 32 * MB);
  const total = await checkDecompressedSize(file(streams), 32 * MB, 16 * MB);
  // Once the streams left fit by their bounds they are not inflated: an upper bound.
  assert.ok(total >= 40 * 256 * 1024 && total <= 32 * MB, String(total));
  await assert.rejects(checkDecompressedSize(file(streams), 4 * MB, 16 * MB), refused);
});
