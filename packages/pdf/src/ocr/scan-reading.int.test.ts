import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { requireAll, requireCorpus, requireTools } from '@docat/testing';
import { extractLayout } from '../extract/extract-layout.js';
import type { OcrAdapter } from './ocr-adapter.js';
import { createOcrAdapter } from './ocr-adapter-choice.js';
import { scanOf } from './scan-maker.test-support.js';

// Digital corpus pages made into scans: what the page says is known, so what a reader of
// the OCR'd page would see (headings, paragraphs, sizes) can be checked against it.
const req = requireAll(
  requireCorpus('TAMReview.pdf', 'tracemonkey.pdf'),
  requireTools('pdftoppm', 'tesseract'),
);

describe('a scanned page read by OCR', () => {
  let native: OcrAdapter;
  before(() => {
    if (!req.skip) native = createOcrAdapter('native');
  });
  after(async () => {
    await native?.close();
  });

  test(
    'keeps its bold headings apart from the paragraphs under them, at their own size',
    { skip: req.skip, timeout: 300_000 },
    async () => {
      // TAMReview page 2: title, Abstract, its paragraph, Introduction and its paragraph. The
      // headings are bold at the text's size, with no more space under them than between lines.
      const scan = await scanOf('TAMReview.pdf', 2, { crop: [0, 0, 595, 400] });
      const { document } = await extractLayout(scan, { ocrAdapter: native });
      const blocks = document.pages[0]!.blocks;
      for (const name of ['Abstract', 'Introduction']) {
        const heading = blocks.find((b) => b.text.trim() === name);
        assert.ok(
          heading,
          `${name} is a block of its own: ${blocks.map((b) => b.text.slice(0, 30)).join(' | ')}`,
        );
        assert.equal(heading.type, 'heading');
        assert.ok(heading.lines[0]!.spans.every((s) => s.bold));
        const next = blocks[blocks.indexOf(heading) + 1]!;
        assert.equal(next.type, 'paragraph');
        assert.ok(!next.lines[0]!.spans.some((s) => s.bold));
        // Set at the size of its text (10 points in the original), as it is printed.
        const size = heading.lines[0]!.spans[0]!.size;
        const body = next.lines[0]!.spans[0]!.size;
        assert.ok(Math.abs(size - body) <= body * 0.12, `heading ${size}, text ${body}`);
      }
    },
  );

  test(
    "gives a table's words the height of their row, not of their ink",
    { skip: req.skip, timeout: 300_000 },
    async () => {
      // TraceMonkey's Figure 13: benchmark names and figures in rows. `3d-cube` has no
      // descender, `3d-morph` has one: as ink they differ, as rows of a table they do not.
      const scan = await scanOf('tracemonkey.pdf', 12, { dpi: 200, crop: [60, 60, 490, 180] });
      const { document } = await extractLayout(scan, { ocrAdapter: native });
      const spans = document.pages[0]!.blocks.flatMap((b) => b.lines.flatMap((l) => l.spans));
      const height = (text: string) => {
        const s = spans.find((x) => x.text === text);
        assert.ok(s, `${text} was read: ${spans.map((x) => x.text).join(' ')}`);
        return s.bbox[3] - s.bbox[1];
      };
      for (const [a, b] of [
        ['3d-cube', '3d-morph'],
        ['controlflow-recursive', 'crypto-md5'],
      ] as const) {
        const ha = height(a);
        const hb = height(b);
        assert.ok(Math.abs(ha - hb) <= Math.max(ha, hb) * 0.1, `${a} ${ha}, ${b} ${hb}`);
        // At least as high as the text's size: a translation is not shrunk to fit the ink.
        const size = spans.find((x) => x.text === a)!.size;
        assert.ok(ha >= size * 0.95, `${a}: ${ha} high at size ${size}`);
      }
    },
  );
});
