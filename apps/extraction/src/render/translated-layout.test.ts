import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LayoutDocument } from '@docat/contracts';
import { applyTranslation } from './translated-layout.js';

const doc: LayoutDocument = {
  schemaVersion: 1,
  pageCount: 1,
  pages: [
    {
      number: 1, width: 100, height: 100, rotation: 0, scanned: false,
      blocks: [
        { id: 'p1-b0', type: 'heading', order: 0, bbox: [0, 0, 10, 10], lines: [], text: 'Title' },
        { id: 'p1-b1', type: 'formula', order: 1, bbox: [0, 10, 10, 20], lines: [], text: 'x = y' },
      ],
    },
  ],
};

describe('applyTranslation', () => {
  test('replaces translated blocks and keeps the others and the source untouched', () => {
    const out = applyTranslation(doc, { jobId: 'j', chunk: 0, engine: 'pseudo', model: 'm', targetLanguage: 'de', billedCharacters: 0, blocks: [{ id: 'p1-b0', text: 'Tïtlé' }] });
    assert.deepEqual(out.pages[0]!.blocks.map((b) => b.text), ['Tïtlé', 'x = y']);
    assert.equal(doc.pages[0]!.blocks[0]!.text, 'Title');
  });
});
