import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LayoutDocument } from '@docat/contracts';
import { applyTranslations } from './apply-translations.js';

const doc: LayoutDocument = {
  schemaVersion: 1,
  pageCount: 1,
  pages: [
    {
      number: 1,
      width: 100,
      height: 100,
      rotation: 0,
      scanned: false,
      blocks: [
        { id: 'p1-b0', type: 'heading', order: 0, bbox: [0, 0, 10, 10], lines: [], text: 'Title' },
        { id: 'p1-b1', type: 'formula', order: 1, bbox: [0, 10, 10, 20], lines: [], text: 'x = y' },
        {
          id: 'p1-b2',
          type: 'table',
          order: 2,
          bbox: [0, 20, 10, 30],
          lines: [],
          text: 'a b',
          cells: [
            { row: 0, col: 0, bbox: [0, 20, 5, 30], text: 'a' },
            { row: 0, col: 1, bbox: [5, 20, 10, 30], text: 'b' },
          ],
        },
      ],
    },
  ],
};

describe('applyTranslations', () => {
  test('replaces translated blocks and keeps the others and the source untouched', () => {
    const out = applyTranslations(doc, new Map([['p1-b0', { text: 'Tïtlé' }]]));
    assert.deepEqual(
      out.pages[0]!.blocks.map((b) => b.text),
      ['Tïtlé', 'x = y', 'a b'],
    );
    assert.equal(doc.pages[0]!.blocks[0]!.text, 'Title');
  });

  test('translates table cells by index and leaves cells without a translation as they were', () => {
    const out = applyTranslations(doc, new Map([['p1-b2', { text: '', cells: new Map([[1, 'bé']]) }]]));
    const table = out.pages[0]!.blocks[2]!;
    assert.deepEqual(
      table.cells?.map((c) => c.text),
      ['a', 'bé'],
    );
    assert.equal(table.text, 'a b');
  });
});
