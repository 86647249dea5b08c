import { createCanvas } from '@napi-rs/canvas';
import type { PDFPageProxy } from 'pdfjs-dist/types/src/display/api.js';

export interface RenderedPage {
  png: Buffer;
  /** Pixels per PDF point. */
  scale: number;
}

/** Render a page to PNG at `dpi` on a white background. */
export async function renderPage(page: PDFPageProxy, dpi: number): Promise<RenderedPage> {
  const scale = dpi / 72;
  const viewport = page.getViewport({ scale });
  const canvas = createCanvas(Math.ceil(viewport.width), Math.ceil(viewport.height));
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  type RenderParams = Parameters<PDFPageProxy['render']>[0];
  // @napi-rs/canvas implements the subset of the DOM canvas API pdf.js draws with.
  const task = page.render({
    canvas: canvas as unknown as RenderParams['canvas'],
    canvasContext: ctx as unknown as RenderParams['canvasContext'],
    viewport,
  });
  await task.promise;
  const png = await canvas.encode('png');
  return { png, scale };
}
