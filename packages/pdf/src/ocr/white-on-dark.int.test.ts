import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';
import { requireTools } from '@docat/testing';
import { extractLayout } from '../extract/extract-layout.js';
import { toPlainText } from '../output/plain-text.js';
import { OCR_ADAPTER_NAMES } from './ocr-adapter.js';

/** A page with a heading set white on a dark bar above a line of dark text. */
async function barPage(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const page = doc.addPage([420, 150]);
  page.drawRectangle({ x: 0, y: 90, width: 420, height: 44, color: rgb(0.1, 0.15, 0.3) });
  page.drawText('Annual Results Overview', { x: 24, y: 104, size: 20, font, color: rgb(1, 1, 1) });
  page.drawText('Revenue grew in every region', { x: 24, y: 40, size: 16, font });
  return doc.save();
}

for (const engine of OCR_ADAPTER_NAMES) {
  const req = engine === 'native' ? requireTools('tesseract') : { skip: false };
  test(
    `${engine}: a heading set white on a dark bar is read with the dark text under it`,
    { skip: req.skip, timeout: 300_000 },
    async () => {
      // The engines look for light text on dark in lines they read badly (tesseract's
      // inversion); a page drawn for OCR must keep that, the bar's words otherwise go.
      const { document, warnings } = await extractLayout(await barPage(), {
        ocr: 'force',
        ocrEngine: engine,
      });
      assert.deepEqual(warnings, []);
      const text = toPlainText(document);
      assert.match(text, /Annual Results Overview/, text);
      assert.match(text, /Revenue grew in every region/, text);
    },
  );
}
