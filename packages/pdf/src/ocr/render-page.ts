import { createCanvas, type Canvas, type SKRSContext2D } from '@napi-rs/canvas';
import type { PDFPageProxy } from 'pdfjs-dist/types/src/display/api.js';
import { pgmOfRgba } from './grey-image.js';

export interface RenderedPage {
  /** The page in grey, as a binary PGM file (see `grey-image.ts`): what the engines read. */
  image: Buffer;
  /** Pixels per PDF point. */
  scale: number;
}

export interface RenderedCanvas {
  canvas: Canvas;
  context: SKRSContext2D;
  /** Pixels per PDF point. */
  scale: number;
}

type RenderParams = Parameters<PDFPageProxy['render']>[0];

/** Render a page onto a canvas at `dpi`, on a white background. */
export async function renderToCanvas(page: PDFPageProxy, dpi: number): Promise<RenderedCanvas> {
  const scale = dpi / 72;
  const viewport = page.getViewport({ scale });
  const canvas = createCanvas(Math.ceil(viewport.width), Math.ceil(viewport.height));
  const context = canvas.getContext('2d');
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  // @napi-rs/canvas implements the subset of the DOM canvas API pdf.js draws with.
  await page.render({
    canvas: canvas as unknown as RenderParams['canvas'],
    canvasContext: context as unknown as RenderParams['canvasContext'],
    viewport,
  }).promise;
  return { canvas, context, scale };
}

/**
 * Draws over a page rendered at `scale` (pixels per point) what pdf.js left out of it: the
 * images too large for it to decode (see `LARGE_IMAGE_PIXELS`).
 */
export type DrawOver = (context: SKRSContext2D, scale: number) => Promise<void>;

/** Render a page to a grey PGM at `dpi` on a white background. */
export async function renderPage(
  page: PDFPageProxy,
  dpi: number,
  over?: DrawOver,
): Promise<RenderedPage> {
  const { canvas, context, scale } = await renderToCanvas(page, dpi);
  if (over) await over(context, scale);
  return { image: pgmOfRgba(canvas.data(), canvas.width, canvas.height), scale };
}

/**
 * Draw `image` (rows top first) where `transform` maps its unit square, as a PDF image is
 * placed (image row 0 at the unit square's top), on `context` at `scale`; `viewport` is
 * pdf.js's page transform at scale 1.
 */
export function drawReducedImage(
  context: SKRSContext2D,
  image: { width: number; height: number; channels: 1 | 3; data: Uint8Array },
  transform: readonly number[],
  viewport: readonly number[],
  scale: number,
): void {
  // Image pixels -> unit square (row 0 on top) -> user space -> page -> canvas pixels.
  const m = [
    [1 / image.width, 0, 0, -1 / image.height, 0, 1],
    [...transform],
    [...viewport],
    [scale, 0, 0, scale, 0, 0],
  ].reduce((a, b) => [
    a[0]! * b[0]! + a[1]! * b[2]!,
    a[0]! * b[1]! + a[1]! * b[3]!,
    a[2]! * b[0]! + a[3]! * b[2]!,
    a[2]! * b[1]! + a[3]! * b[3]!,
    a[4]! * b[0]! + a[5]! * b[2]! + b[4]!,
    a[4]! * b[1]! + a[5]! * b[3]! + b[5]!,
  ]);
  context.save();
  context.setTransform(m[0]!, m[1]!, m[2]!, m[3]!, m[4]!, m[5]!);
  context.imageSmoothingEnabled = true;
  // In bands of rows: the RGBA copy a canvas needs stays a few MB whatever the image's size.
  const band = Math.max(
    1,
    Math.min(image.height, Math.floor(BAND_PIXELS / Math.max(1, image.width))),
  );
  const tile = createCanvas(image.width, band);
  const tileContext = tile.getContext('2d');
  for (let top = 0; top < image.height; top += band) {
    const rows = Math.min(band, image.height - top);
    const pixels = tileContext.createImageData(image.width, rows);
    const rgba = pixels.data;
    const first = top * image.width;
    const n = rows * image.width;
    for (let i = 0; i < n; i++) {
      const src = (first + i) * image.channels;
      const grey = image.channels === 1;
      rgba[i * 4] = image.data[src]!;
      rgba[i * 4 + 1] = image.data[grey ? src : src + 1]!;
      rgba[i * 4 + 2] = image.data[grey ? src : src + 2]!;
      rgba[i * 4 + 3] = 255;
    }
    tileContext.putImageData(pixels, 0, 0);
    context.drawImage(tile, 0, 0, image.width, rows, 0, top, image.width, rows);
  }
  context.restore();
}

/** Pixels drawn at once from a reduced image (a band of its rows). */
const BAND_PIXELS = 1 << 20;
