import { createCanvas, loadImage, type Canvas, type SKRSContext2D } from '@napi-rs/canvas';
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

/** A PNG turned clockwise by `degrees` (90, 180 or 270). */
export async function rotatePng(png: Buffer, degrees: 90 | 180 | 270): Promise<Buffer> {
  const image = await loadImage(png);
  const sideways = degrees !== 180;
  const canvas = createCanvas(
    sideways ? image.height : image.width,
    sideways ? image.width : image.height,
  );
  const context = canvas.getContext('2d');
  context.translate(canvas.width / 2, canvas.height / 2);
  context.rotate((degrees * Math.PI) / 180);
  context.drawImage(image, -image.width / 2, -image.height / 2);
  return canvas.encode('png');
}
