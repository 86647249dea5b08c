import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BBox } from '@docat/contracts';
import {
  edgeSymbols,
  edgeText,
  isSymbolChar,
  isSymbolGlyph,
  withoutSymbols,
  type EdgeGlyph,
} from './edge-symbols.js';

const g = (x0: number, x1: number, unicode: string, symbol = false): EdgeGlyph => ({
  box: [x0, 100, x1, 110],
  unicode,
  symbol,
});
const CELL: BBox = [50, 95, 300, 115];

describe('icons at the ends of a cell', () => {
  test('tells icons from letters by font and code point', () => {
    assert.ok(isSymbolGlyph('4', 'ZapfDingbats'));
    assert.ok(isSymbolGlyph('', 'ABCDEF+Wingdings-Regular'));
    assert.ok(isSymbolGlyph('\uf0fc', 'Calibri'));
    assert.ok(isSymbolGlyph('🇩🇪', 'NotoColorEmoji'));
    assert.ok(isSymbolGlyph('🇩🇪', 'SomeFont'));
    assert.ok(!isSymbolGlyph('A', 'Helvetica'));
    assert.ok(!isSymbolGlyph('©', 'Helvetica'));
    assert.ok(!isSymbolGlyph(' ', 'ZapfDingbats'));
    assert.ok(isSymbolChar('✔') && !isSymbolChar('é'));
  });

  test('keeps the icons at the start and end and leaves the words the box between them', () => {
    const found = edgeSymbols(
      CELL,
      [
        [
          g(56, 64, '✔', true),
          g(64, 67, ' '),
          g(67, 75, 'O'),
          g(75, 200, 'k'),
          g(204, 212, '★', true),
        ],
      ],
      10,
    );
    assert.ok(found);
    assert.deepEqual(found.keep, [
      [56, 100, 64, 110],
      [204, 100, 212, 110],
    ]);
    assert.deepEqual(found.box, [67, 95, 200, 115]);
    assert.equal(found.lead, 1);
    assert.equal(found.trail, 1);
  });

  test('none for a cell of icons alone or without icons at its ends', () => {
    assert.equal(edgeSymbols(CELL, [[g(56, 64, '✔', true), g(70, 78, '✘', true)]], 10), undefined);
    assert.equal(
      edgeSymbols(CELL, [[g(56, 64, 'a'), g(70, 78, '✘', true), g(80, 90, 'b')]], 10),
      undefined,
    );
  });

  test("the translation loses its copy of the icons and the layout's reading of them", () => {
    const marks = [{ start: 10, end: 16, bold: true }];
    const out = withoutSymbols(
      '«4 Unterstützt» auf allen',
      marks,
      ['✔'],
      edgeText('4 Supported', 1, 0),
    );
    assert.equal(out.text, '«Unterstützt» auf allen');
    assert.deepEqual(out.marks, [{ start: 8, end: 14, bold: true }]);
    assert.equal(withoutSymbols('🇩🇪 Deutschland', [], ['🇩🇪']).text, 'Deutschland');
    // A figure inside the words is not the icon's reading.
    assert.equal(
      withoutSymbols('Version 4 geplant', [], ['✔'], { lead: '4', trail: '' }).text,
      'Version 4 geplant',
    );
  });
});
