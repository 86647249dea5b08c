import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { corpusFile, requireCorpus } from '@docat/testing';
import { readFileSync } from 'node:fs';
import { canvasLoaded, deferPdfjsCanvas } from './lazy-canvas.js';
import { closeDocument, loadPdfjs, openDocument } from '../extract/pdfjs.js';

const req = requireCorpus('tracemonkey.pdf');
const canvasFile = createRequire(import.meta.url).resolve('@napi-rs/canvas');
/** What pdf.js polyfills on the global object in Node. */
const polyfilled = globalThis as unknown as {
  DOMMatrix: new (init: number[]) => { e: number };
  Path2D: new () => unknown;
};

// Node runs each test file in a process of its own: nothing here loaded the library before.
test(
  'pdf.js reads text without loading the canvas library, and gets the real one when it draws',
  { skip: req.skip },
  async () => {
    deferPdfjsCanvas();
    await loadPdfjs();
    const doc = await openDocument(new Uint8Array(readFileSync(corpusFile('tracemonkey.pdf'))));
    try {
      const page = await doc.getPage(1);
      const text = await page.getTextContent();
      assert.ok(text.items.length > 50);
      await page.getOperatorList();
      assert.equal(canvasLoaded(), false);
      assert.equal(createRequire(import.meta.url).cache[canvasFile], undefined);
      // What pdf.js polyfilled builds the library's own objects once something is drawn.
      const m = new polyfilled.DOMMatrix([2, 0, 0, 2, 5, 6]);
      assert.equal(canvasLoaded(), true);
      assert.equal(m.e, 5);
      const { DOMMatrix: Real, Path2D: RealPath } = (await import('@napi-rs/canvas')) as {
        DOMMatrix: new () => unknown;
        Path2D: new () => unknown;
      };
      assert.ok(m instanceof Real);
      assert.ok(new polyfilled.Path2D() instanceof RealPath);
    } finally {
      await closeDocument(doc);
    }
  },
);
