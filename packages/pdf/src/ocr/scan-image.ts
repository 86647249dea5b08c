import type { PDFPageProxy } from 'pdfjs-dist/types/src/display/api.js';
import type { PdfjsModule } from '../extract/pdfjs.js';
import { multiply } from '../layout/geometry.js';
import type { RenderedPage } from './render-page.js';

/** How far (points) the scan's image may fall short of the page's edges, or overhang them. */
const EDGE = 1.5;

/** pdf.js's decoded image (`ImageKind`: 1 one bit a pixel, 1 white; 2 RGB; 3 RGBA). */
interface DecodedImage {
  width: number;
  height: number;
  kind?: number;
  data?: Uint8Array | Uint8ClampedArray;
  bitmap?: unknown;
}

type Matrix = [number, number, number, number, number, number];

/**
 * A page that is nothing but its scan, given to the engine as the scan's own pixels: one
 * upright image covering the page, nothing drawn over it, at `dpi` (the resolution OCR reads
 * it at, its own when that lies within the engine's range). The pixels pdf.js decoded for
 * the page's operator list are turned to grey directly, instead of being copied into a canvas
 * at the same size and read back; anything else (text or paths over the scan, a turned or
 * clipped image, a resolution to change) is left to the canvas, and undefined is returned.
 */
export async function scanImageOf(
  pdfjs: Pick<PdfjsModule, 'OPS'>,
  page: PDFPageProxy,
  dpi: number,
): Promise<RenderedPage | undefined> {
  if (page.rotate % 360 !== 0) return undefined;
  const { OPS } = pdfjs;
  const ops = await page.getOperatorList();
  let ctm: Matrix = [1, 0, 0, 1, 0, 0];
  const stack: Matrix[] = [];
  let found: { id: string; m: Matrix } | undefined;
  for (let i = 0; i < ops.fnArray.length; i++) {
    const fn = ops.fnArray[i];
    const args = ops.argsArray[i] as unknown[] | null;
    if (fn === OPS.save) stack.push(ctm);
    else if (fn === OPS.restore) ctm = stack.pop() ?? ctm;
    else if (fn === OPS.transform) ctm = multiply(ctm, args as unknown as Matrix) as Matrix;
    else if (fn === OPS.paintImageXObject) {
      if (found || typeof args?.[0] !== 'string') return undefined;
      found = { id: args[0], m: ctm };
    } else if (
      fn !== OPS.dependency &&
      fn !== OPS.beginMarkedContent &&
      fn !== OPS.beginMarkedContentProps &&
      fn !== OPS.endMarkedContent
    )
      return undefined;
  }
  if (!found) return undefined;
  // Upright and unmirrored (row 0 at the top), covering the page's box.
  const [a, b, c, d, e, f] = found.m;
  if (Math.abs(b) > 1e-6 || Math.abs(c) > 1e-6 || !(a > 0) || !(d > 0)) return undefined;
  const [x0, y0, x1, y1] = page.view as [number, number, number, number];
  if (
    Math.abs(e - x0) > EDGE ||
    Math.abs(f - y0) > EDGE ||
    Math.abs(e + a - x1) > EDGE ||
    Math.abs(f + d - y1) > EDGE
  )
    return undefined;
  const objs = found.id.startsWith('g_') ? page.commonObjs : page.objs;
  const image = await new Promise<DecodedImage | undefined>((resolve) => {
    try {
      objs.get(found.id, (data: unknown) => resolve(data as DecodedImage | undefined));
    } catch {
      resolve(undefined);
    }
  });
  if (!image?.data || image.bitmap || image.width <= 0 || image.height <= 0) return undefined;
  // As many pixels as the canvas at `dpi` would have: the scan is read at its own resolution.
  const scale = dpi / 72;
  if (
    Math.abs(image.width - Math.ceil((x1 - x0) * scale)) > 1 ||
    Math.abs(image.height - Math.ceil((y1 - y0) * scale)) > 1
  )
    return undefined;
  const grey = greyOfDecoded(image);
  if (!grey) return undefined;
  return { image: grey, scale: image.width / (x1 - x0) };
}

/** A binary PGM of pdf.js's decoded image on white, or undefined for a kind it does not know. */
function greyOfDecoded(image: DecodedImage): Buffer | undefined {
  const { width, height, kind } = image;
  const src = image.data!;
  const header = Buffer.from(`P5\n${width} ${height}\n255\n`, 'latin1');
  const file = Buffer.allocUnsafe(header.length + width * height);
  header.copy(file);
  const out = file.subarray(header.length);
  const n = width * height;
  if (kind === 2) {
    if (src.length < n * 3) return undefined;
    for (let i = 0, o = 0; i < n; i++, o += 3)
      // ITU-R BT.601 luma in 1/1024ths, as `greyOfRgba` turns the canvas's pixels to grey.
      out[i] = (src[o]! * 306 + src[o + 1]! * 601 + src[o + 2]! * 117 + 512) >> 10;
  } else if (kind === 3) {
    if (src.length < n * 4) return undefined;
    for (let i = 0, o = 0; i < n; i++, o += 4) {
      const v = (src[o]! * 306 + src[o + 1]! * 601 + src[o + 2]! * 117 + 512) >> 10;
      const alpha = src[o + 3]!;
      // On the page's white.
      out[i] = alpha === 255 ? v : Math.round((v * alpha + 255 * (255 - alpha)) / 255);
    }
  } else if (kind === 1) {
    const row = (width + 7) >> 3;
    if (src.length < row * height) return undefined;
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        out[y * width + x] = (src[y * row + (x >> 3)]! >> (7 - (x & 7))) & 1 ? 255 : 0;
  } else return undefined;
  return file;
}
