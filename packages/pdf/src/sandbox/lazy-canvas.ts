/**
 * What pdf.js gets for `@napi-rs/canvas` in a sandbox child. pdf.js loads the canvas library
 * as soon as it is imported in Node, to polyfill `DOMMatrix` and `Path2D` and to make
 * canvases, but a child reading text never draws: loading it costs about 22 MB of resident
 * memory per child (Skia's library pages and its start-up allocations). Here each export
 * loads the real library on first use: a page drawn for OCR, or a Type 3 glyph made from
 * an image mask, gets the real classes and canvases.
 */
import { createRequire, registerHooks } from 'node:module';

type CanvasModule = typeof import('@napi-rs/canvas');

const require = createRequire(import.meta.url);
let real: CanvasModule | undefined;

function canvas(): CanvasModule {
  // Resolved from this package, so the hook below does not send it back here.
  real ??= require('@napi-rs/canvas') as CanvasModule;
  return real;
}

/** `new DOMMatrix(...)` builds the library's own matrix (constructors may return an object). */
export class DOMMatrix {
  constructor(...args: unknown[]) {
    return new (canvas().DOMMatrix as new (...a: unknown[]) => DOMMatrix)(...args);
  }
}

export class Path2D {
  constructor(...args: unknown[]) {
    return new (canvas().Path2D as new (...a: unknown[]) => Path2D)(...args);
  }
}

export function createCanvas(width: number, height: number): unknown {
  return canvas().createCanvas(width, height);
}

/** Whether the real canvas library has been loaded in this process. */
export function canvasLoaded(): boolean {
  return real !== undefined;
}

/**
 * From now on, pdf.js's own `@napi-rs/canvas` resolves to this module. Call before pdf.js
 * is loaded; every other importer still gets the real library.
 */
export function deferPdfjsCanvas(): void {
  const self = import.meta.url;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      if (specifier === '@napi-rs/canvas' && context.parentURL?.includes('/pdfjs-dist/'))
        return { url: self, shortCircuit: true };
      return nextResolve(specifier, context);
    },
  });
}
