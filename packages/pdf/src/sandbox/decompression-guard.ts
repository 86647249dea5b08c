import { constants, createInflate } from 'node:zlib';
import { DocatError } from '@docat/contracts';

const STREAM = Buffer.from('stream');
const ENDSTREAM = Buffer.from('endstream');
const CHUNK = 64 * 1024;

/** Inflate `data` counting output bytes only; stops as soon as `limit` is passed. */
function inflatedSize(data: Buffer, limit: number): Promise<number> {
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
 * Sum the decoded size of every Flate-compressed stream in the file without keeping
 * any output, and fail with PDF_RESOURCE_LIMIT once one stream passes `maxStreamBytes`
 * or the total passes `maxBytes` (a deflate bomb is caught here, in 64 KB of memory,
 * before pdf.js decodes it).
 */
export async function checkDecompressedSize(
  bytes: Uint8Array,
  maxBytes: number,
  maxStreamBytes = maxBytes,
): Promise<number> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let total = 0;
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
    if (!/\/(?:FlateDecode|Fl)\b/.test(dict.slice(dictStart < 0 ? 0 : dictStart))) continue;
    const end = buf.indexOf(ENDSTREAM, start);
    const data = buf.subarray(start, end < 0 ? buf.length : end);
    const size = await inflatedSize(data, Math.min(maxStreamBytes, maxBytes - total));
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
    if (end > 0) pos = end + ENDSTREAM.length;
  }
  return total;
}
