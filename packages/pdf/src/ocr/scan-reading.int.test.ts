import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { requireAll, requireCorpus, requireTools } from '@docat/testing';
import { extractLayout } from '../extract/extract-layout.js';
import type { OcrAdapter } from './ocr-adapter.js';
import { createOcrAdapter } from './ocr-adapter-choice.js';
import { scanOf } from './scan-maker.test-support.js';

// Digital corpus pages made into scans: what the page says is known, so what a reader of
// the OCR'd page would see (headings, paragraphs, sizes) can be checked against it.
const req = requireAll(requireCorpus('TAMReview.pdf'), requireTools('pdftoppm', 'tesseract'));

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
});
