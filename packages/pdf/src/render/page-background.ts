import type { BBox } from '@docat/contracts';
import { closeDocument, openDocument } from '../extract/pdfjs.js';
import { renderToCanvas } from '../ocr/render-page.js';

const DPI = 50;

/**
 * The background colour around each box on a page, as the page renders: the median of
 * the pixels on a ring just outside the box. Scanned pages have no text to remove, so
 * their blocks are covered with this colour before the translation is drawn.
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
      const rs: number[] = [];
      const gs: number[] = [];
      const bs: number[] = [];
      const px = (x: number, y: number): void => {
        const xi = Math.round(x);
        const yi = Math.round(y);
        if (xi < 0 || yi < 0 || xi >= width || yi >= height) return;
        const o = (yi * width + xi) * 4;
        rs.push(data[o]!);
        gs.push(data[o + 1]!);
        bs.push(data[o + 2]!);
      };
      const [x0, y0, x1, y1] = box.map((v) => v * scale) as BBox;
      const pad = 2;
      for (let x = x0 - pad; x <= x1 + pad; x++) {
        px(x, y0 - pad);
        px(x, y1 + pad);
      }
      for (let y = y0 - pad; y <= y1 + pad; y++) {
        px(x0 - pad, y);
        px(x1 + pad, y);
      }
      const med = (v: number[]): number =>
        v.length ? [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]! / 255 : 1;
      return [med(rs), med(gs), med(bs)];
    });
  } finally {
    await closeDocument(doc);
  }
}
