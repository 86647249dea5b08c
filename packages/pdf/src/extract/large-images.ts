import { createInflate, constants } from 'node:zlib';
import type { BBox } from '@docat/contracts';
import type * as PdfLib from 'pdf-lib';
import type { Matrix } from '../content/content-types.js';
import type { PdfFile } from '../content/pdf-file.js';

/**
 * Images larger than this many pixels are never decoded at full size. pdf.js is told to
 * leave them out (`maxImageSize`): decoded, a 9,000 x 12,000 scan takes 330 MB as RGB and
 * as much again on its way to a canvas. Such an image is found here instead, and drawn for
 * OCR at the resolution OCR needs, decoded row by row into a reduced copy.
 * 16 million pixels is a letter page at 400 dpi: an ordinary scan is read by pdf.js.
 */
export const LARGE_IMAGE_PIXELS = 16_000_000;

/** A large image as drawn on a page. */
export interface LargeImagePlacement {
  /** Image space (unit square) to PDF user space, as the content stream set it. */
  ctm: Matrix;
  width: number;
  height: number;
  /** The image stream's object (a pdf-lib PDFRawStream). */
  stream: unknown;
}

const STREAM = Buffer.from('stream');

/**
 * Whether the file holds an image stream of more than `pixels` pixels, from the stream
 * dictionaries in its bytes (image streams are never inside object streams, and their
 * dictionaries are not encrypted). Cheap: no parsing.
 */
export function holdsLargeImage(bytes: Uint8Array, pixels = LARGE_IMAGE_PIXELS): boolean {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let pos = buf.indexOf(STREAM); pos >= 0; pos = buf.indexOf(STREAM, pos + STREAM.length)) {
    if (pos >= 3 && buf.toString('latin1', pos - 3, pos) === 'end') continue;
    const dict = buf.toString('latin1', Math.max(0, pos - 2048), pos);
    const start = Math.max(dict.lastIndexOf(' obj'), dict.lastIndexOf('endstream'));
    const own = start < 0 ? dict : dict.slice(start);
    if (!/\/Subtype\s*\/Image\b/.test(own)) continue;
    const w = /\/Width\s+(\d+)/.exec(own);
    const h = /\/Height\s+(\d+)/.exec(own);
    if (w && h && Number(w[1]) * Number(h[1]) > pixels) return true;
  }
  return false;
}

const MAX_FORM_DEPTH = 4;

/**
 * Where a page draws images of more than `pixels` pixels: each `Do` of such an image, with
 * the transform in force (through form XObjects up to a few levels deep). Reads the page
 * with the content engine, which is loaded only for documents that hold such an image.
 */
export async function findLargeImages(
  file: PdfFile,
  pageIndex: number,
  pixels = LARGE_IMAGE_PIXELS,
): Promise<LargeImagePlacement[]> {
  const { PDFDict, PDFName, PDFNumber, PDFArray, PDFRawStream, PDFRef } = await import('pdf-lib');
  const { parseContent } = await import('../content/content-tokenizer.js');
  const { pageContentBytes } = await import('../content/page-interpreter.js');
  const { decodeStreamData } = await import('../content/stream-data.js');
  const { multiply } = await import('../content/matrix.js');
  const context = file.doc.context;
  type Obj = Parameters<typeof context.lookup>[0];
  const resolve = (o: Obj | undefined) => (o instanceof PDFRef ? context.lookup(o) : o);
  const numberOf = (d: PdfLib.PDFDict, key: string) => {
    const v = resolve(d.get(PDFName.of(key)));
    return v instanceof PDFNumber ? v.asNumber() : 0;
  };
  const out: LargeImagePlacement[] = [];
  const walk = (content: Uint8Array, resources: Obj | undefined, base: Matrix, depth: number) => {
    const res = resolve(resources);
    const xobjects = res instanceof PDFDict ? resolve(res.get(PDFName.of('XObject'))) : undefined;
    if (!(xobjects instanceof PDFDict)) return;
    let ctm = base;
    const stack: Matrix[] = [];
    for (const { op, operands } of parseContent(content)) {
      if (op === 'q') stack.push(ctm);
      else if (op === 'Q') ctm = stack.pop() ?? base;
      else if (op === 'cm' && operands.length >= 6) {
        const m = operands.slice(-6).map((v) => (v.kind === 'number' ? v.value : NaN));
        if (m.every(Number.isFinite)) ctm = multiply(m as Matrix, ctm);
      } else if (op === 'Do') {
        const n = operands.at(-1);
        if (n?.kind !== 'name') continue;
        const stream = resolve(xobjects.get(PDFName.of(n.value)));
        if (!(stream instanceof PDFRawStream)) continue;
        const subtype = resolve(stream.dict.get(PDFName.of('Subtype')));
        if (subtype === PDFName.of('Image')) {
          const width = numberOf(stream.dict, 'Width');
          const height = numberOf(stream.dict, 'Height');
          if (width * height > pixels) out.push({ ctm, width, height, stream });
        } else if (subtype === PDFName.of('Form') && depth < MAX_FORM_DEPTH) {
          const matrix = resolve(stream.dict.get(PDFName.of('Matrix')));
          let m: Matrix = [1, 0, 0, 1, 0, 0];
          if (matrix instanceof PDFArray && matrix.size() === 6) {
            const vals = matrix.asArray().map((v) => resolve(v));
            if (vals.every((v) => v instanceof PDFNumber))
              m = vals.map((v) => (v as PdfLib.PDFNumber).asNumber()) as Matrix;
          }
          let inner: Uint8Array;
          try {
            inner = decodeStreamData(context, stream);
          } catch {
            continue;
          }
          walk(inner, stream.dict.get(PDFName.of('Resources')), multiply(m, ctm), depth + 1);
        }
      }
    }
  };
  const page = file.doc.getPage(pageIndex);
  walk(pageContentBytes(file, pageIndex), page.node.Resources(), [1, 0, 0, 1, 0, 0], 0);
  return out;
}

/** Page-space box (viewport coordinates, `vt` from pdf.js) of a placement. */
export function placementBox(p: LargeImagePlacement, vt: readonly number[]): BBox {
  const corners = [
    [0, 0],
    [1, 0],
    [0, 1],
    [1, 1],
  ].map(([u, v]) => {
    const x = u! * p.ctm[0] + v! * p.ctm[2] + p.ctm[4];
    const y = u! * p.ctm[1] + v! * p.ctm[3] + p.ctm[5];
    return [x * vt[0]! + y * vt[2]! + vt[4]!, x * vt[1]! + y * vt[3]! + vt[5]!] as const;
  });
  const xs = corners.map((c) => c[0]);
  const ys = corners.map((c) => c[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

/** An image decoded at reduced size: `channels` bytes per pixel (1 grey, 3 RGB), rows top first. */
export interface ReducedImage {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}

interface ImageFormat {
  width: number;
  height: number;
  channels: 1 | 3;
  bits: 1 | 8;
  /** PNG predictors (DecodeParms /Predictor >= 10): each row starts with its filter type. */
  png: boolean;
  /** `/Decode [1 0]`: samples inverted. */
  invert: boolean;
  /** DCTDecode: the stream is a JPEG file, decoded by libvips at a reduced scale. */
  jpeg: boolean;
}

/** Why an image cannot be read by the reduced decoder. */
export class UnsupportedImageError extends Error {}

async function imageFormat(
  file: PdfFile,
  stream: unknown,
): Promise<{ format: ImageFormat; data: Uint8Array }> {
  const { PDFArray, PDFDict, PDFName, PDFNumber, PDFRawStream, PDFRef, PDFBool } =
    await import('pdf-lib');
  const context = file.doc.context;
  type Obj = Parameters<typeof context.lookup>[0];
  const resolve = (o: Obj | undefined) => (o instanceof PDFRef ? context.lookup(o) : o);
  if (!(stream instanceof PDFRawStream)) throw new UnsupportedImageError('not an image stream');
  const dict = stream.dict;
  const get = (key: string) => resolve(dict.get(PDFName.of(key)));
  const num = (o: Obj | undefined) => (o instanceof PDFNumber ? o.asNumber() : undefined);
  const filter = get('Filter');
  const filters =
    filter instanceof PDFArray ? filter.asArray().map((f) => resolve(f)) : filter ? [filter] : [];
  const names = filters.map((f) => (f instanceof PDFName ? f.decodeText() : '?'));
  const jpeg = names.length === 1 && (names[0] === 'DCTDecode' || names[0] === 'DCT');
  if (!jpeg && (names.some((n) => n !== 'FlateDecode' && n !== 'Fl') || names.length > 1))
    throw new UnsupportedImageError(
      `images filtered with ${names.join(', ')} are not decoded at reduced size`,
    );
  let cs = get('ColorSpace');
  if (cs instanceof PDFArray && cs.size() > 0) {
    const kind = resolve(cs.get(0));
    if (kind instanceof PDFName && kind.decodeText() === 'ICCBased') {
      const icc = resolve(cs.get(1));
      const n =
        icc instanceof PDFRawStream ? num(resolve(icc.dict.get(PDFName.of('N')))) : undefined;
      cs = PDFName.of(
        n === 3 ? 'DeviceRGB' : n === 1 ? 'DeviceGray' : n === 4 ? 'DeviceCMYK' : 'Unknown',
      );
    }
  }
  const mask =
    get('ImageMask') instanceof PDFBool && (get('ImageMask') as PdfLib.PDFBool).asBoolean();
  const space = cs instanceof PDFName ? cs.decodeText() : mask ? 'DeviceGray' : 'Unknown';
  const channels =
    space === 'DeviceGray' || space === 'CalGray'
      ? 1
      : space === 'DeviceRGB' || space === 'CalRGB' || (jpeg && space === 'DeviceCMYK')
        ? 3
        : 0;
  // A JPEG's own header tells its components and precision: it comes out grey or RGB.
  const bits = mask ? 1 : jpeg ? 8 : num(get('BitsPerComponent'));
  if (channels === 0 || (bits !== 8 && bits !== 1) || (bits === 1 && channels !== 1))
    throw new UnsupportedImageError(
      `${space} images of ${bits} bits are not decoded at reduced size`,
    );
  const parms = filters.length ? get('DecodeParms') : undefined;
  const p = parms instanceof PDFArray ? resolve(parms.get(0)) : parms;
  const predictor = p instanceof PDFDict ? (num(resolve(p.get(PDFName.of('Predictor')))) ?? 1) : 1;
  if (predictor !== 1 && predictor < 10)
    throw new UnsupportedImageError('TIFF predictors are not decoded at reduced size');
  const decode = get('Decode');
  const first = decode instanceof PDFArray ? num(resolve(decode.get(0))) : undefined;
  // An image mask paints where its samples are 0: as a grey image, 0 is ink.
  const invert = first === 1;
  return {
    format: {
      width: num(get('Width')) ?? 0,
      height: num(get('Height')) ?? 0,
      channels: channels as 1 | 3,
      bits: bits as 1 | 8,
      png: predictor >= 10,
      invert,
      jpeg,
    },
    data: stream.contents,
  };
}

/** Undo one PNG row filter in place (`prev` is the row above, decoded). */
function unfilterRow(type: number, row: Uint8Array, prev: Uint8Array, bpp: number): void {
  const n = row.length;
  switch (type) {
    case 1:
      for (let i = bpp; i < n; i++) row[i] = (row[i]! + row[i - bpp]!) & 255;
      break;
    case 2:
      for (let i = 0; i < n; i++) row[i] = (row[i]! + prev[i]!) & 255;
      break;
    case 3:
      for (let i = 0; i < n; i++)
        row[i] = (row[i]! + (((i >= bpp ? row[i - bpp]! : 0) + prev[i]!) >> 1)) & 255;
      break;
    case 4:
      for (let i = 0; i < n; i++) {
        const a = i >= bpp ? row[i - bpp]! : 0;
        const b = prev[i]!;
        const c = i >= bpp ? prev[i - bpp]! : 0;
        const pa = Math.abs(b - c);
        const pb = Math.abs(a - c);
        const pc = Math.abs(a + b - 2 * c);
        row[i] = (row[i]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 255;
      }
      break;
    default:
      break;
  }
}

/**
 * Decode a large image to at most about `maxWidth` x `maxHeight` pixels (an integer
 * reduction, each output pixel the mean of the block it covers), streaming: the compressed
 * data is inflated in 64 KB steps and each row is folded into the output as it arrives,
 * so memory holds one input row and the reduced image, never the full one. Flate or
 * unfiltered data, grey or RGB at 8 bits or grey at 1 bit, with or without PNG predictors;
 * or a JPEG (DCTDecode), grey, RGB or CMYK, which libvips decodes at reduced scale.
 */
export async function decodeReduced(
  file: PdfFile,
  stream: unknown,
  maxWidth: number,
  maxHeight: number,
): Promise<ReducedImage> {
  const { format, data } = await imageFormat(file, stream);
  const { width, height, channels, bits } = format;
  if (!(width > 0 && height > 0)) throw new UnsupportedImageError('the image has no size');
  const factor = Math.max(
    1,
    Math.floor(Math.min(width / Math.max(1, maxWidth), height / Math.max(1, maxHeight))),
  );
  const outW = Math.ceil(width / factor);
  const outH = Math.ceil(height / factor);
  if (format.jpeg) return decodeJpegReduced(data, format, outW, outH);
  const sums = new Uint32Array(outW * channels);
  const counts = new Uint32Array(outW);
  const out = new Uint8Array(outW * outH * channels);
  const rowBytes = Math.ceil((width * channels * bits) / 8);
  const stride = rowBytes + (format.png ? 1 : 0);
  const bpp = Math.max(1, (channels * bits) >> 3);
  let prev = new Uint8Array(rowBytes);
  let row = new Uint8Array(rowBytes);
  const pending = new Uint8Array(stride);
  let filled = 0;
  let y = 0;
  const flushOut = (outY: number) => {
    for (let x = 0; x < outW; x++) {
      const c = counts[x]!;
      for (let k = 0; k < channels; k++) {
        const v = c ? Math.round(sums[x * channels + k]! / c) : 255;
        out[(outY * outW + x) * channels + k] = v;
      }
    }
    sums.fill(0);
    counts.fill(0);
  };
  const takeRow = () => {
    if (format.png) {
      row.set(pending.subarray(1, stride));
      unfilterRow(pending[0]!, row, prev, bpp);
    } else row.set(pending.subarray(0, stride));
    for (let x = 0; x < width; x++) {
      const ox = (x / factor) | 0;
      counts[ox]!++;
      if (bits === 1) {
        let v = (row[x >> 3]! >> (7 - (x & 7))) & 1 ? 255 : 0;
        if (format.invert) v = 255 - v;
        sums[ox]! += v;
      } else {
        for (let k = 0; k < channels; k++) {
          let v = row[x * channels + k]!;
          if (format.invert) v = 255 - v;
          sums[ox * channels + k]! += v;
        }
      }
    }
    [prev, row] = [row, prev];
    y++;
    if (y % factor === 0 || y === height) flushOut(Math.ceil(y / factor) - 1);
  };
  const feed = (chunk: Uint8Array) => {
    let at = 0;
    while (at < chunk.length && y < height) {
      const take = Math.min(stride - filled, chunk.length - at);
      pending.set(chunk.subarray(at, at + take), filled);
      filled += take;
      at += take;
      if (filled === stride) {
        takeRow();
        filled = 0;
      }
    }
  };
  const stepped = async (bytes: Uint8Array) => {
    for (let at = 0; at < bytes.length && y < height; at += 65536)
      feed(bytes.subarray(at, at + 65536));
  };
  if (data.length && format && (await isFlate(file, stream))) {
    await new Promise<void>((resolvePromise) => {
      // Sync flush keeps the rows a truncated stream still holds.
      const inflate = createInflate({ finishFlush: constants.Z_SYNC_FLUSH, chunkSize: 65536 });
      inflate.on('data', (chunk: Buffer) => {
        feed(chunk);
        if (y >= height) inflate.destroy();
      });
      inflate.on('error', () => resolvePromise());
      inflate.on('close', () => resolvePromise());
      inflate.on('end', () => resolvePromise());
      inflate.end(data);
    });
  } else await stepped(data);
  // Rows the data did not hold stay white.
  if (y < height) {
    const done = Math.ceil(y / factor);
    if (y % factor !== 0) flushOut(done - 1);
    out.fill(255, Math.ceil(y / factor) * outW * channels);
  }
  return { width: outW, height: outH, channels, data: out };
}

/**
 * A JPEG reduced to `outW` x `outH` by libvips: libjpeg decodes it at 1/2, 1/4 or 1/8 of
 * its size while it reads it (DCT scaling), and the rest of the reduction streams, so memory
 * holds a few rows and the reduced image, never the full one. Loaded only for such images.
 */
async function decodeJpegReduced(
  data: Uint8Array,
  format: ImageFormat,
  outW: number,
  outH: number,
): Promise<ReducedImage> {
  const { default: sharp } = await import('sharp');
  // One image at a time, nothing kept: the sandbox child decodes one large image per page.
  sharp.cache(false);
  sharp.concurrency(1);
  let image = sharp(data, {
    // The image is already known to be large; its size is bounded by the reduction below.
    limitInputPixels: false,
    sequentialRead: true,
    failOn: 'none',
  })
    .resize(outW, outH, { fit: 'fill' })
    .toColourspace(format.channels === 1 ? 'b-w' : 'srgb')
    .removeAlpha();
  if (format.invert) image = image.negate();
  let decoded: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    decoded = await image.raw().toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new UnsupportedImageError(
      `the JPEG image could not be decoded (${err instanceof Error ? err.message.slice(0, 120) : 'unknown'})`,
    );
  }
  const { info } = decoded;
  if (info.channels !== format.channels || info.width !== outW || info.height !== outH)
    throw new UnsupportedImageError(
      `the JPEG image decoded to ${info.width} x ${info.height} x ${info.channels}`,
    );
  return {
    width: outW,
    height: outH,
    channels: format.channels,
    data: new Uint8Array(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength),
  };
}

async function isFlate(file: PdfFile, stream: unknown): Promise<boolean> {
  const { PDFName, PDFRawStream, PDFArray, PDFRef } = await import('pdf-lib');
  if (!(stream instanceof PDFRawStream)) return false;
  let f = stream.dict.get(PDFName.of('Filter'));
  if (f instanceof PDFRef) f = file.doc.context.lookup(f);
  if (f instanceof PDFArray) f = f.get(0);
  return f instanceof PDFName && (f.decodeText() === 'FlateDecode' || f.decodeText() === 'Fl');
}

/**
 * The large images of one document, looked up page by page. The content engine parses the
 * file only when its bytes hold such an image, and only once.
 */
export class LargeImageSource {
  readonly present: boolean;
  private file: Promise<PdfFile> | undefined;
  /** Kept only when the file holds a large image: otherwise nothing is read from it again. */
  private readonly bytes: Uint8Array | undefined;

  constructor(
    bytes: Uint8Array,
    private readonly password?: string,
  ) {
    this.present = holdsLargeImage(bytes);
    this.bytes = this.present ? bytes : undefined;
  }

  private open(): Promise<PdfFile> {
    this.file ??= import('../content/pdf-file.js').then(({ openPdf }) =>
      // pdf.js already applied the permissions; this is a second reading of the same file.
      openPdf(this.bytes!, {
        ...(this.password ? { password: this.password } : {}),
        respectPermissions: false,
      }),
    );
    return this.file;
  }

  /** Large images drawn on page `number` (1-based); none when the file holds none or cannot be read so. */
  async onPage(number: number): Promise<LargeImagePlacement[]> {
    if (!this.present) return [];
    try {
      return await findLargeImages(await this.open(), number - 1);
    } catch {
      // The content engine could not read what pdf.js did: the page is read without them.
      return [];
    }
  }

  /** A placement's image reduced to about `maxWidth` x `maxHeight`. */
  async decode(p: LargeImagePlacement, maxWidth: number, maxHeight: number): Promise<ReducedImage> {
    return decodeReduced(await this.open(), p.stream, maxWidth, maxHeight);
  }
}
