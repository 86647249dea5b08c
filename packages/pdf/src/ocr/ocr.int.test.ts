import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { corpusFile, requireAll, requireCorpus, requireTools } from '@docat/testing';
import { extractLayout } from '../extract/extract-layout.js';
import { toPlainText } from '../output/plain-text.js';
import { abstractCrop, abstractWords, recall, words } from './abstract-crop.test-support.js';

const req = requireAll(
  requireCorpus('scanned-tracemonkey-p1-2.pdf', 'tracemonkey.pdf'),
  requireTools('pdftotext'),
);

test(
  'a scanned page is detected and the embedded engine (tesseract.js) reads its abstract',
  { skip: req.skip, timeout: 120_000 },
  async () => {
    // The abstract cut out of the scan: the whole engine path at a tenth of a page's time.
    const { document, warnings } = await extractLayout(await abstractCrop(), {
      ocrEngine: 'tesseract-js',
    });
    assert.deepEqual(warnings, []);
    assert.equal(document.pages[0]!.scanned, true);
    const got = recall(abstractWords(), words(toPlainText(document)));
    assert.ok(got >= 0.95, `abstract word recall ${got.toFixed(3)}`);
    const span = document.pages[0]!.blocks.flatMap((b) => b.lines.flatMap((l) => l.spans)).find(
      (s) => s.text === 'Abstract',
    );
    assert.ok(span, 'the word Abstract is a span');
    // The heading sits in the cut-out's top-left corner (54,337 on the original page).
    assert.ok(
      span.bbox[0] > 2 && span.bbox[2] < 60 && span.bbox[1] > 2 && span.bbox[3] < 30,
      JSON.stringify(span.bbox),
    );
  },
);

test(
  'a language without OCR data is a page warning, not a failure',
  { skip: req.skip },
  async () => {
    const bytes = new Uint8Array(readFileSync(corpusFile('scanned-tracemonkey-p1-2.pdf')));
    const { document, warnings } = await extractLayout(bytes, {
      pages: [{ from: 2, to: 2 }],
      sourceLanguage: 'am',
    });
    assert.equal(document.pages[0]!.scanned, true);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.code, 'OCR_LANGUAGE_UNAVAILABLE');
    assert.equal(warnings[0]!.page, 2);
  },
);
