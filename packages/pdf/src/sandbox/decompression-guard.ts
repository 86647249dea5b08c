import { constants, createInflate, inflateSync } from 'node:zlib';
import { DocatError } from '@docat/contracts/core';

const STREAM = Buffer.from('stream');
const ENDSTREAM = Buffer.from('endstream');
const CHUNK = 64 * 1024;

/**
 * Streams that inflate to at most this many bytes are inflated in one synchronous call (the
 * output held for a moment, then dropped); larger ones, and any stream that fails to inflate
 * whole, are counted in 64 KB steps. Counting an ordinary book's streams step by step cost a
 * second of wall time on a busy machine (each step a round trip through zlib's thread pool)
 * for a fifth of that in CPU.
 */
const WHOLE_INFLATE_BYTES = 4 * 1024 * 1024;

/** Inflate `data` counting output bytes only; stops as soon as `limit` is passed. */
async function inflatedSize(data: Buffer, limit: number): Promise<number> {
  try {
    // Past the bound zlib stops and throws, having held at most that much.
    return inflateSync(data, {
      finishFlush: constants.Z_SYNC_FLUSH,
      maxOutputLength: Math.max(1, Math.min(limit, WHOLE_INFLATE_BYTES)),
    }).byteLength;
  } catch {
    // Larger, damaged or cut short: counted step by step below (what decodes counts).
  }
  return inflatedStepwise(data, limit);
}

function inflatedStepwise(data: Buffer, limit: number): Promise<number> {
  return new Promise((resolve) => {
    let total = 0;
    let settled = false;
    const done = () => {
      if (!settled) {
        settled = true;
        resolve(total);
      }
    };
    // Sync flush tolerates streams cut short or followed by junk: count what decodes.
    const inflate = createInflate({ finishFlush: constants.Z_SYNC_FLUSH, chunkSize: CHUNK });
    inflate.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > limit) {
        inflate.destroy();
        done();
      }
    });
    inflate.on('end', done);
    inflate.on('error', done);
    inflate.on('close', done);
    inflate.end(data);
  });
}

/**
 * Deflate's longest match (258 bytes) takes at least two bits: no stream inflates to more
 * than this many times its compressed length. A stream that cannot pass a bound even at
 * this ratio need not be inflated to be counted.
 */
const MAX_DEFLATE_RATIO = 1032;

interface FlateStream {
  data: Buffer;
  /** Flate filters applied one after the other (`[/FlateDecode /FlateDecode]` is 2). */
  layers: number;
}

/** Output size of `layers` chained inflates of `data`, counted in 64 KB steps up to `limit`. */
async function chainedInflatedSize(data: Buffer, layers: number, limit: number): Promise<number> {
  if (layers <= 1) return inflatedSize(data, limit);
  // Inner layers are decoded for real, one 64 KB step at a time, and only counted at the last.
  return new Promise((resolve) => {
    let total = 0;
    let settled = false;
    const stages = Array.from({ length: layers }, () =>
      createInflate({ finishFlush: constants.Z_SYNC_FLUSH, chunkSize: CHUNK }),
    );
    const done = () => {
      if (settled) return;
      settled = true;
      for (const s of stages) s.destroy();
      resolve(total);
    };
    for (let i = 0; i < layers - 1; i++) {
      const next = stages[i + 1]!;
      stages[i]!.on('data', (chunk: Buffer) => {
        if (!next.write(chunk)) stages[i]!.pause();
      });
      next.on('drain', () => stages[i]!.resume());
      stages[i]!.on('end', () => next.end());
      stages[i]!.on('error', () => next.end());
    }
    const last = stages[layers - 1]!;
    last.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > limit) done();
    });
    last.on('end', done);
    last.on('error', done);
    last.on('close', done);
    stages[0]!.end(data);
  });
}

function flateStreams(buf: Buffer): FlateStream[] {
  const out: FlateStream[] = [];
  let pos = 0;
  for (;;) {
    const at = buf.indexOf(STREAM, pos);
    if (at < 0) break;
    pos = at + STREAM.length;
    if (at >= 3 && buf.toString('latin1', at - 3, at) === 'end') continue;
    let start = pos;
    if (buf[start] === 0x0d) start++;
    if (buf[start] === 0x0a) start++;
    if (start === pos) continue;
    const dict = buf.toString('latin1', Math.max(0, at - 1024), at);
    const dictStart = Math.max(dict.lastIndexOf('obj'), dict.lastIndexOf('endstream'));
    const filters = dict.slice(dictStart < 0 ? 0 : dictStart).match(/\/(?:FlateDecode|Fl)\b/g);
    if (!filters) continue;
    const end = buf.indexOf(ENDSTREAM, start);
    out.push({ data: buf.subarray(start, end < 0 ? buf.length : end), layers: filters.length });
    if (end > 0) pos = end + ENDSTREAM.length;
  }
  return out;
}

/**
 * Check the decoded size of every Flate-compressed stream in the file without keeping
 * any output, and fail with PDF_RESOURCE_LIMIT once one stream passes `maxStreamBytes`
 * or the total passes `maxBytes` (a deflate bomb is caught here, in a few MB of memory,
 * before pdf.js decodes it). Streams too short to pass a bound even at deflate's highest
 * ratio are not inflated, so an ordinary file costs almost nothing to check. Returns an
 * upper bound of the decoded total.
 */
export async function checkDecompressedSize(
  bytes: Uint8Array,
  maxBytes: number,
  maxStreamBytes = maxBytes,
): Promise<number> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const streams = flateStreams(buf);
  let total = 0;
  const count = async (s: FlateStream) => {
    const size = await chainedInflatedSize(
      s.data,
      s.layers,
      Math.min(maxStreamBytes, maxBytes - total),
    );
    if (size > maxStreamBytes) {
      throw new DocatError(
        'PDF_RESOURCE_LIMIT',
        `A compressed stream expands to more than ${maxStreamBytes} bytes`,
      );
    }
    total += size;
    if (total > maxBytes) {
      throw new DocatError(
        'PDF_RESOURCE_LIMIT',
        `Compressed streams expand to more than ${maxBytes} bytes`,
      );
    }
  };
  // Chained filters multiply the ratios: those streams are always counted.
  for (const s of streams) if (s.layers > 1) await count(s);
  // Largest first: once the largest stream left is safe by its bound, so are all the rest.
  const single = streams
    .filter((s) => s.layers === 1)
    .sort((a, b) => b.data.length - a.data.length);
  let unchecked = single.reduce((a, s) => a + s.data.length * MAX_DEFLATE_RATIO, 0);
  for (const s of single) {
    const bound = s.data.length * MAX_DEFLATE_RATIO;
    if (bound <= maxStreamBytes && total + unchecked <= maxBytes) return total + unchecked;
    await count(s);
    unchecked -= bound;
  }
  return total;
}
