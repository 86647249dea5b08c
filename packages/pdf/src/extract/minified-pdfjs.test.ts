import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { corpusFile, requireCorpus } from '@docat/testing';
import { closeDocument, loadPdfjs, openDocument, useMinifiedPdfjs } from './pdfjs.js';

const req = requireCorpus('tracemonkey.pdf');

// Node runs each test file in a process of its own: nothing here loaded pdf.js before.
test(
  'a process set to the minified pdf.js loads both of its halves and no readable file',
  { skip: req.skip },
  async () => {
    const loaded: string[] = [];
    registerHooks({
      load(url, context, next) {
        if (url.includes('/pdfjs-dist/')) loaded.push(url.slice(url.lastIndexOf('/') + 1));
        return next(url, context);
      },
    });
    useMinifiedPdfjs();
    const pdfjs = await loadPdfjs();
    const doc = await openDocument(new Uint8Array(readFileSync(corpusFile('tracemonkey.pdf'))));
    try {
      const page = await doc.getPage(1);
      const text = await page.getTextContent();
      assert.ok(text.items.length > 50);
    } finally {
      await closeDocument(doc);
    }
    assert.deepEqual(loaded.sort(), ['pdf.min.mjs', 'pdf.worker.min.mjs']);
    assert.match(pdfjs.GlobalWorkerOptions.workerSrc, /pdf\.worker\.min\.mjs$/);
    // Too late once pdf.js is loaded: the process would hold both builds.
    assert.throws(() => useMinifiedPdfjs(), /already loaded/);
  },
);
