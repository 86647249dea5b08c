import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PDFDocument } from 'pdf-lib';
import { requireAll, requireCorpus, requireTools } from '@docat/testing';
import type { Page } from '@docat/contracts';
import { extractLayout } from '../extract/extract-layout.js';
import type { OcrAdapter, OcrLine } from './ocr-adapter.js';
import { createOcrAdapter } from './ocr-adapter-choice.js';
import { scanOf } from './scan-maker.test-support.js';

const req = requireAll(requireCorpus('tracemonkey.pdf'), requireTools('pdftoppm', 'tesseract'));

/** A scan of three pages: a few lines of tracemonkey.pdf's first three pages each. */
async function threePageScan(): Promise<Uint8Array> {
  const out = await PDFDocument.create();
  for (const n of [1, 2, 3]) {
    const one = await PDFDocument.load(
      await scanOf('tracemonkey.pdf', n, { crop: [50, 400, 250, 80] }),
    );
    const [page] = await out.copyPages(one, [0]);
    out.addPage(page!);
  }
  return out.save();
}

test(
  "the next scan page is recognised as soon as any page's recognition ends, not only the first in line",
  { skip: req.skip, timeout: 180_000 },
  async () => {
    const native = createOcrAdapter('native', { concurrency: 2 });
    // The engine as it is, except that the first page's reading waits until a third
    // recognition has started (or a minute has passed): it is the slow page of the document.
    let calls = 0;
    let thirdStarted: () => void = () => undefined;
    const third = new Promise<void>((resolve) => (thirdStarted = resolve));
    const events: string[] = [];
    const adapter: OcrAdapter = {
      name: native.name,
      concurrency: native.concurrency,
      minDpi: native.minDpi,
      hasLanguage: (l) => native.hasLanguage(l),
      orientation: (image) => native.orientation(image),
      close: () => native.close(),
      async recognize(image: Buffer, language: string): Promise<OcrLine[]> {
        const call = ++calls;
        events.push(`start ${call}`);
        if (call === 3) thirdStarted();
        const lines = await native.recognize(image, language);
        if (call === 1) await Promise.race([third, new Promise((r) => setTimeout(r, 60_000))]);
        events.push(`end ${call}`);
        return lines;
      },
    };
    try {
      const delivered: Page[] = [];
      const { document } = await extractLayout(await threePageScan(), {
        ocrAdapter: adapter,
        onPage: (p) => delivered.push(p),
      });
      assert.ok(
        events.indexOf('start 3') < events.indexOf('end 1'),
        `the third page waited for the first: ${events.join(', ')}`,
      );
      // Pages still leave in order, each with its own words.
      assert.deepEqual(
        delivered.map((p) => p.number),
        [1, 2, 3],
      );
      assert.equal(document.pages.length, 0);
      for (const p of delivered) {
        assert.equal(p.scanned, true);
        assert.ok(p.blocks.length > 0, `page ${p.number} has text`);
      }
    } finally {
      await adapter.close();
    }
  },
);
