import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { corpusFile, requireCorpus } from '@docat/testing';
import { closeDocument, openDocument } from './pdfjs.js';

const req = requireCorpus('tracemonkey.pdf');

test(
  'a document opened with transfer takes the bytes themselves; otherwise pdf.js gets a copy',
  { skip: req.skip },
  async () => {
    const file = readFileSync(corpusFile('tracemonkey.pdf'));
    const kept = new Uint8Array(file);
    const copied = await openDocument(kept);
    assert.equal(kept.byteLength, file.byteLength);
    const given = new Uint8Array(file);
    const handed = await openDocument(given, { transfer: true });
    // Detached: the caller holds nothing, pdf.js holds the only copy.
    assert.equal(given.byteLength, 0);
    try {
      for (const doc of [copied, handed]) {
        const text = await (await doc.getPage(1)).getTextContent();
        assert.ok(text.items.length > 50);
      }
    } finally {
      await closeDocument(copied);
      await closeDocument(handed);
    }
  },
);
