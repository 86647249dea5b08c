import { createCanvas, type Canvas, type SKRSContext2D } from '@napi-rs/canvas';
import type { PDFPageProxy } from 'pdfjs-dist/types/src/display/api.js';

export interface RenderedPage {
  png: Buffer;
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

/** Render a page to PNG at `dpi` on a white background. */
export async function renderPage(page: PDFPageProxy, dpi: number): Promise<RenderedPage> {
  const { canvas, scale } = await renderToCanvas(page, dpi);
  return { png: await canvas.encode('png'), scale };
}
