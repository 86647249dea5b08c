import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { corpusFile, requireAll, requireCorpus, requireTools } from '@docat/testing';
import { extractLayout } from '../extract/extract-layout.js';
import { extractInSandbox } from './sandbox.js';

const req = requireAll(requireCorpus('tracemonkey.pdf'), requireTools('tesseract'));

test(
  "a page drawn for OCR in a sandbox child shows its text in the document's fonts",
  { skip: req.skip, timeout: 300_000 },
  async () => {
    // The child reads without glyph outlines and draws from a second handle that has them;
    // drawn from the reading document, the text would be in the canvas's fallback face and
    // read differently. In this process pdf.js builds the outlines as it always did.
    const opts = {
      ocrEngine: 'native' as const,
      ocr: 'force' as const,
      pages: [{ from: 1, to: 1 }],
    };
    const [inChild, here] = await Promise.all([
      extractInSandbox(corpusFile('tracemonkey.pdf'), opts),
      extractLayout(new Uint8Array(readFileSync(corpusFile('tracemonkey.pdf'))), opts),
    ]);
    assert.equal(inChild.ocrAdapter, 'native');
    assert.ok(inChild.document.pages[0]!.blocks.length > 10, 'the page was read');
    assert.deepEqual(inChild.document, here.document);
    assert.deepEqual(inChild.warnings, here.warnings);
  },
);
