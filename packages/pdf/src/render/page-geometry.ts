import type { BBox } from '@docat/contracts';
import type { PDFPage } from 'pdf-lib';

export type Matrix = [number, number, number, number, number, number];

/**
 * How a page's default user space (where content streams draw) relates to the
 * displayed page the layout model describes (top-left origin, y down, /Rotate applied).
 */
export interface PageGeometry {
  /** Displayed size in points. */
  width: number;
  height: number;
  rotation: 0 | 90 | 180 | 270;
  /** User space -> displayed coordinates. */
  toDisplay: Matrix;
  /** Drawing space (displayed page, origin bottom-left, y up) -> user space: the `cm` for new content. */
  drawingToUser: Matrix;
}

export function multiply(m1: Matrix, m2: Matrix): Matrix {
  return [
    m1[0] * m2[0] + m1[1] * m2[2],
    m1[0] * m2[1] + m1[1] * m2[3],
    m1[2] * m2[0] + m1[3] * m2[2],
    m1[2] * m2[1] + m1[3] * m2[3],
    m1[4] * m2[0] + m1[5] * m2[2] + m2[4],
    m1[4] * m2[1] + m1[5] * m2[3] + m2[5],
  ];
}

export function invert(m: Matrix): Matrix {
  const det = m[0] * m[3] - m[1] * m[2];
  return [m[3] / det, -m[1] / det, -m[2] / det, m[0] / det, (m[2] * m[5] - m[3] * m[4]) / det, (m[1] * m[4] - m[0] * m[5]) / det];
}

export function apply(m: Matrix, x: number, y: number): [number, number] {
  return [x * m[0] + y * m[2] + m[4], x * m[1] + y * m[3] + m[5]];
}

export function mapBox(m: Matrix, b: BBox): BBox {
  const pts = [apply(m, b[0], b[1]), apply(m, b[2], b[1]), apply(m, b[0], b[3]), apply(m, b[2], b[3])];
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

function normalRotation(angle: number): 0 | 90 | 180 | 270 {
  const r = ((Math.round(angle / 90) * 90) % 360 + 360) % 360;
  return r as 0 | 90 | 180 | 270;
}

/** The same mapping pdf.js's viewport applies at scale 1 (the layout model's coordinates). */
export function pageGeometry(page: PDFPage): PageGeometry {
  const crop = page.getCropBox();
  const media = page.getMediaBox();
  // pdf.js shows the crop box clipped to the media box.
  const x0 = Math.max(crop.x, media.x);
  const y0 = Math.max(crop.y, media.y);
  const x1 = Math.min(crop.x + crop.width, media.x + media.width);
  const y1 = Math.min(crop.y + crop.height, media.y + media.height);
  const rotation = normalRotation(page.getRotation().angle);
  let toDisplay: Matrix;
  switch (rotation) {
    case 90:
      toDisplay = [0, 1, 1, 0, -y0, -x0];
      break;
    case 180:
      toDisplay = [-1, 0, 0, 1, x1, -y0];
      break;
    case 270:
      toDisplay = [0, -1, -1, 0, y1, x1];
      break;
    default:
      toDisplay = [1, 0, 0, -1, -x0, y1];
  }
  const w = x1 - x0;
  const h = y1 - y0;
  const [width, height] = rotation === 90 || rotation === 270 ? [h, w] : [w, h];
  const drawingToDisplay: Matrix = [1, 0, 0, -1, 0, height];
  return { width, height, rotation, toDisplay, drawingToUser: multiply(drawingToDisplay, invert(toDisplay)) };
}
