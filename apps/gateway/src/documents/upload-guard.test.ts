import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DocatError } from '@docat/contracts';
import { UploadGuard } from './upload-guard.js';

async function run(
  chunks: Buffer[],
  maxBytes: number,
): Promise<{ guard: UploadGuard; out: Buffer; error: unknown }> {
  const guard = new UploadGuard(maxBytes);
  const collected: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      collected.push(chunk);
      done();
    },
  });
  let error: unknown = null;
  await pipeline(Readable.from(chunks), guard, sink).catch((e: unknown) => {
    error = e;
  });
  return { guard, out: Buffer.concat(collected), error };
}

function codeOf(error: unknown): string | null {
  return error instanceof DocatError ? error.code : null;
}

describe('UploadGuard', () => {
  test('has the hash before its end reaches the next stream, and the result agrees', async () => {
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(300_000, 7)]);
    const guard = new UploadGuard(1_000_000);
    let seenAtEnd: string | undefined;
    const sink = new Writable({
      write(_chunk: Buffer, _enc, done) {
        // Not before the last byte: storage must not sign with a partial hash.
        assert.equal(guard.sha256, undefined);
        done();
      },
      final(done) {
        seenAtEnd = guard.sha256;
        done();
      },
    });
    await pipeline(Readable.from([pdf.subarray(0, 1000), pdf.subarray(1000)]), guard, sink);
    const expected = createHash('sha256').update(pdf).digest('hex');
    assert.equal(seenAtEnd, expected);
    assert.equal(guard.result().sha256, expected);
    assert.equal(guard.result().sha256, expected);
  });

  test('passes a PDF through unchanged, split in tiny chunks, and hashes it', async () => {
    const pdf = Buffer.from('%PDF-1.7\nhello world\n%%EOF\n', 'latin1');
    const chunks = [...pdf].map((b) => Buffer.from([b]));
    const { guard, out, error } = await run(chunks, 1000);
    assert.equal(error, null);
    assert.deepEqual(out, pdf);
    const result = guard.result();
    assert.equal(result.bytes, pdf.length);
    assert.equal(result.sha256, createHash('sha256').update(pdf).digest('hex'));
  });

  test('an empty file fails with EMPTY_FILE', async () => {
    const { error } = await run([], 1000);
    assert.equal(codeOf(error), 'EMPTY_FILE');
  });

  test('a non-PDF fails with UNSUPPORTED_MEDIA_TYPE before anything is written', async () => {
    const { error, out } = await run(
      [Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.alloc(100)],
      1000,
    );
    assert.equal(codeOf(error), 'UNSUPPORTED_MEDIA_TYPE');
    assert.equal(out.length, 0);
  });

  test('a file shorter than the header fails with UNSUPPORTED_MEDIA_TYPE', async () => {
    const { error } = await run([Buffer.from('%PD')], 1000);
    assert.equal(codeOf(error), 'UNSUPPORTED_MEDIA_TYPE');
  });

  test('crossing the limit fails with FILE_TOO_LARGE at the crossing chunk', async () => {
    let produced = 0;
    const chunks = function* () {
      yield Buffer.from('%PDF-1.7\n');
      for (let i = 0; i < 100; i++) {
        produced++;
        yield Buffer.alloc(100);
      }
    };
    const guard = new UploadGuard(1000);
    let error: unknown = null;
    await pipeline(
      Readable.from(chunks()),
      guard,
      new Writable({ write: (_c, _e, done) => done() }),
    ).catch((e: unknown) => {
      error = e;
    });
    assert.equal(codeOf(error), 'FILE_TOO_LARGE');
    assert.ok(produced < 20, `stopped after ${produced} chunks`);
    assert.equal(guard.failure?.code, 'FILE_TOO_LARGE');
  });

  test('exactly the limit is accepted', async () => {
    const body = Buffer.concat([Buffer.from('%PDF-'), Buffer.alloc(995)]);
    const { error, guard } = await run([body], 1000);
    assert.equal(error, null);
    assert.equal(guard.bytes, 1000);
  });
});
