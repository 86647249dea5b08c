import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { corpusFile, requireAll, requireCorpus, requireTools } from '@docat/testing';
import { extractLayout } from '../extract/extract-layout.js';
import { toPlainText } from '../output/plain-text.js';

const words = (s: string) => s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

const req = requireAll(
  requireCorpus('scanned-tracemonkey-p1-2.pdf', 'tracemonkey.pdf'),
  requireTools('pdftotext'),
);

test(
  'a scanned page is detected and OCR reads its abstract',
  { skip: req.skip, timeout: 120_000 },
  async () => {
    const bytes = new Uint8Array(readFileSync(corpusFile('scanned-tracemonkey-p1-2.pdf')));
    // The embedded engine, whatever is installed: the native one has its own tests.
  const { document, warnings } = await extractLayout(bytes, { pages: [{ from: 1, to: 1 }], ocrEngine: 'tesseract-js' });
    assert.deepEqual(warnings, []);
    assert.equal(document.pages[0]!.scanned, true);
    const reference = execFileSync(
      'pdftotext',
      ['-f', '1', '-l', '1', corpusFile('tracemonkey.pdf'), '-'],
      { encoding: 'utf8' },
    );
    const start = reference.indexOf('Dynamic languages such as JavaScript are more difficult');
    const end = reference.indexOf('Categories and Subject Descriptors');
    assert.ok(start >= 0 && end > start);
    const expected = words(reference.slice(start, end).replace(/-\n/g, ''));
    const got = new Map<string, number>();
    for (const w of words(toPlainText(document))) got.set(w, (got.get(w) ?? 0) + 1);
    let hit = 0;
    for (const w of expected) {
      const n = got.get(w) ?? 0;
      if (n > 0) {
        hit++;
        got.set(w, n - 1);
      }
    }
    const recall = hit / expected.length;
    assert.ok(recall >= 0.95, `abstract word recall ${recall.toFixed(3)}`);
    const span = document.pages[0]!.blocks.flatMap((b) => b.lines.flatMap((l) => l.spans)).find(
      (s) => s.text === 'Abstract',
    );
    assert.ok(span, 'the word Abstract is a span');
    // The heading sits in column 1, in the upper half of a 612x792 pt page.
    assert.ok(
      span.bbox[0] > 40 && span.bbox[2] < 300 && span.bbox[1] > 150 && span.bbox[3] < 400,
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
