import type { BBox } from '@docat/contracts';
import { closeDocument, openDocument } from '../extract/pdfjs.js';
import { renderToCanvas } from '../ocr/render-page.js';

const DPI = 50;

/** Colours are counted in bins of this many levels per channel (tolerant of a scan's grain). */
const BIN = 16;

/**
 * The background colour of each box on a page, as the page renders: the most frequent
 * colour (to within a bin) among the box's pixels and those of two rings just outside it.
 * Scanned pages have no text to remove, so their blocks are covered with this colour before
 * the translation is drawn. Not the median: a ring through the rows above and below (a table's
 * tight rows, a dense paragraph) meets more ink than paper there, and a median came out grey.
 */
export async function sampleBackgrounds(
  bytes: Uint8Array,
  pageNumber: number,
  boxes: BBox[],
): Promise<[number, number, number][]> {
  const doc = await openDocument(bytes);
  try {
    const page = await doc.getPage(pageNumber);
    const { canvas, context, scale } = await renderToCanvas(page, DPI);
    const { data, width, height } = context.getImageData(0, 0, canvas.width, canvas.height);
    return boxes.map((box) => {
      const bins = new Map<number, { n: number; r: number; g: number; b: number }>();
      const px = (x: number, y: number): void => {
        const xi = Math.round(x);
        const yi = Math.round(y);
        if (xi < 0 || yi < 0 || xi >= width || yi >= height) return;
        const o = (yi * width + xi) * 4;
        const r = data[o]!;
        const g = data[o + 1]!;
        const b = data[o + 2]!;
        const key = (((r / BIN) | 0) << 16) | (((g / BIN) | 0) << 8) | ((b / BIN) | 0);
        const bin = bins.get(key) ?? { n: 0, r: 0, g: 0, b: 0 };
        bin.n++;
        bin.r += r;
        bin.g += g;
        bin.b += b;
        bins.set(key, bin);
      };
      const [x0, y0, x1, y1] = box.map((v) => v * scale) as BBox;
      for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) px(x, y);
      for (const pad of [2, 4]) {
        for (let x = x0 - pad; x <= x1 + pad; x++) {
          px(x, y0 - pad);
          px(x, y1 + pad);
        }
        for (let y = y0 - pad; y <= y1 + pad; y++) {
          px(x0 - pad, y);
          px(x1 + pad, y);
        }
      }
      let best: { n: number; r: number; g: number; b: number } | undefined;
      for (const bin of bins.values()) if (!best || bin.n > best.n) best = bin;
      if (!best) return [1, 1, 1];
      return [best.r / best.n / 255, best.g / best.n / 255, best.b / best.n / 255];
    });
  } finally {
    await closeDocument(doc);
  }
}
