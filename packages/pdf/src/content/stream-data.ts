import { constants, inflateSync } from 'node:zlib';
import {
  PDFArray,
  PDFContext,
  PDFDict,
  PDFName,
  PDFNumber,
  PDFObject,
  PDFRawStream,
  PDFRef,
  PDFStream,
  decodePDFRawStream,
} from 'pdf-lib';

/** Largest decoded stream the engine accepts: a bound against decompression bombs. */
export const MAX_DECODED_STREAM_BYTES = 128 * 1024 * 1024;

function resolve(context: PDFContext, obj: PDFObject | undefined): PDFObject | undefined {
  return obj instanceof PDFRef ? context.lookup(obj) : obj;
}

function inflate(data: Uint8Array, maxBytes: number): Uint8Array {
  try {
    // SYNC_FLUSH keeps what a truncated stream holds instead of failing on its missing end.
    return new Uint8Array(
      inflateSync(data, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: maxBytes }),
    );
  } catch (err) {
    if (err instanceof RangeError || (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new StreamTooLargeError();
    }
    // Raw deflate without the zlib header occurs in the wild; readers accept it.
    try {
      return new Uint8Array(
        inflateSync(data.subarray(2), {
          finishFlush: constants.Z_SYNC_FLUSH,
          maxOutputLength: maxBytes,
          windowBits: 15,
        }),
      );
    } catch {
      return new Uint8Array(0);
    }
  }
}

export class StreamTooLargeError extends Error {
  constructor() {
    super('decoded stream exceeds the size limit');
  }
}

/**
 * The decoded bytes of a stream. Filters other than Flate go through pdf-lib's decoders;
 * image filters (DCT, JPX, JBIG2, CCITT) are left applied since content streams never use
 * them. Predictors are not applied (content streams do not use them).
 */
export function decodeStreamData(
  context: PDFContext,
  stream: PDFStream,
  maxBytes = MAX_DECODED_STREAM_BYTES,
): Uint8Array {
  if (!(stream instanceof PDFRawStream)) return stream.getContents();
  const filter = resolve(context, stream.dict.get(PDFName.of('Filter')));
  const filters: string[] = [];
  if (filter instanceof PDFName) filters.push(filter.decodeText());
  else if (filter instanceof PDFArray) {
    for (const f of filter.asArray()) {
      const n = resolve(context, f);
      if (n instanceof PDFName) filters.push(n.decodeText());
    }
  }
  let data: Uint8Array = stream.contents;
  for (const f of filters) {
    if (f === 'FlateDecode' || f === 'Fl') {
      data = inflate(data, maxBytes);
    } else if (
      [
        'LZWDecode',
        'LZW',
        'ASCII85Decode',
        'A85',
        'ASCIIHexDecode',
        'AHx',
        'RunLengthDecode',
        'RL',
      ].includes(f)
    ) {
      const full =
        { LZW: 'LZWDecode', A85: 'ASCII85Decode', AHx: 'ASCIIHexDecode', RL: 'RunLengthDecode' }[
          f
        ] ?? f;
      const dict = context.obj({ Filter: full });
      try {
        data = decodePDFRawStream(PDFRawStream.of(dict, data)).decode();
      } catch {
        return new Uint8Array(0);
      }
    } else if (f === 'Crypt') {
      continue;
    } else {
      return data;
    }
    if (data.length > maxBytes) throw new StreamTooLargeError();
  }
  return data;
}

export function lookupNumber(context: PDFContext, dict: PDFDict, key: string): number | undefined {
  const v = resolve(context, dict.get(PDFName.of(key)));
  return v instanceof PDFNumber ? v.asNumber() : undefined;
}
