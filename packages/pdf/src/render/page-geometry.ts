import type { BBox } from '@docat/contracts';
import type { PDFPage } from 'pdf-lib';
import type { Matrix } from '../content/content-types.js';
import { invert, multiply, transformBox } from '../content/matrix.js';

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

/** Axis-aligned bounds of a layout box mapped through `m`. */
export function mapBox(m: Matrix, b: BBox): BBox {
  return transformBox(m, b[0], b[1], b[2], b[3]);
}

function normalRotation(angle: number): 0 | 90 | 180 | 270 {
  const r = (((Math.round(angle / 90) * 90) % 360) + 360) % 360;
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
  return {
    width,
    height,
    rotation,
    toDisplay,
    drawingToUser: multiply(drawingToDisplay, invert(toDisplay)),
  };
}
