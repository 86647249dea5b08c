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
    const out = applyTranslations(
      doc,
      new Map([['p1-b2', { text: '', cells: new Map([[1, 'bé']]) }]]),
    );
    const table = out.pages[0]!.blocks[2]!;
    assert.deepEqual(
      table.cells?.map((c) => c.text),
      ['a', 'bé'],
    );
    assert.equal(table.text, 'a b');
  });

  test('keeps listings and formulas as they were even when a translation comes back for them', () => {
    const withCode: LayoutDocument = {
      ...doc,
      pages: [
        {
          ...doc.pages[0]!,
          blocks: [
            ...doc.pages[0]!.blocks,
            {
              id: 'p1-b3',
              type: 'code',
              order: 3,
              bbox: [0, 30, 10, 40],
              lines: [],
              text: 'for (;;) {}',
            },
          ],
        },
      ],
    };
    const out = applyTranslations(
      withCode,
      new Map([
        ['p1-b1', { text: 'x = ý' }],
        ['p1-b3', { text: 'für (;;) {}' }],
      ]),
    );
    assert.deepEqual(
      out.pages[0]!.blocks.map((b) => b.text),
      ['Title', 'x = y', 'a b', 'for (;;) {}'],
    );
  });

  test("translates a figure's labels cell by cell, never the figure as a whole", () => {
    const figure = {
      id: 'p1-b3',
      type: 'figure' as const,
      order: 3,
      bbox: [0, 30, 40, 60] as [number, number, number, number],
      lines: [],
      text: 'Monitor',
      cells: [
        {
          row: 0,
          col: 0,
          bbox: [0, 30, 40, 40] as [number, number, number, number],
          text: 'Monitor',
        },
      ],
    };
    const withFigure: LayoutDocument = { ...doc, pages: [{ ...doc.pages[0]!, blocks: [figure] }] };
    const whole = applyTranslations(withFigure, new Map([['p1-b3', { text: 'Mönitör' }]]));
    assert.equal(whole.pages[0]!.blocks[0]!.text, 'Monitor');
    const labels = applyTranslations(
      withFigure,
      new Map([['p1-b3', { text: '', cells: new Map([[0, 'Mönitör']]) }]]),
    );
    assert.deepEqual(
      labels.pages[0]!.blocks[0]!.cells?.map((c) => c.text),
      ['Mönitör'],
    );
    assert.equal(labels.pages[0]!.blocks[0]!.text, 'Monitor');
  });
});
