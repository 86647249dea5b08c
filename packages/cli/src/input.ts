import { open, stat } from 'node:fs/promises';
import {
  DocatError,
  MAX_UPLOAD_BYTES,
  PDF_SNIFF_LIMIT,
  sniffPdfSignature,
} from '@docat/contracts/core';

/**
 * Check an input file the way the gateway checks an upload: present, not empty, a PDF
 * by its magic bytes, within the size limit. Parsing happens later, in the sandbox.
 */
export async function checkPdfInput(path: string, maxBytes = MAX_UPLOAD_BYTES): Promise<number> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new DocatError('VALIDATION_FAILED', `${path} is not a file`);
    size = info.size;
  } catch (err) {
    if (err instanceof DocatError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new DocatError(
      'VALIDATION_FAILED',
      code === 'ENOENT'
        ? `${path} does not exist`
        : code === 'EACCES'
          ? `${path} cannot be read (permission denied)`
          : `cannot read ${path}${code ? ` (${code})` : ''}`,
    );
  }
  if (size === 0) throw new DocatError('EMPTY_FILE', `${path} is empty`);
  if (size > maxBytes)
    throw new DocatError('FILE_TOO_LARGE', `${path} has ${size} bytes; the limit is ${maxBytes}`);
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(Math.min(PDF_SNIFF_LIMIT, size));
    await handle.read(head, 0, head.length, 0);
    // The gateway's check, so a file the CLI takes is one an upload would take too.
    if (sniffPdfSignature(head) !== 'pdf') {
      throw new DocatError('UNSUPPORTED_MEDIA_TYPE', `${path} is not a PDF`);
    }
  } finally {
    await handle.close();
  }
  return size;
}
