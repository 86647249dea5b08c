import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BBox, Block, Line } from '@docat/contracts';
import { FontLibrary } from '../fonts/font-library.js';
import {
  columnAlignment,
  condensedScale,
  guessAlignment,
  isCondensedFontName,
  ocrCheckedSize,
  resized,
  sourceStyle,
} from './block-style.js';
import { TextShaper } from './text-shaper.js';

function block(lines: [number, number][]): Block {
  const boxes = lines.map(([x0, x1], i): BBox => [x0, 100 + i * 12, x1, 110 + i * 12]);
  return {
    id: 'b',
    type: 'paragraph',
    order: 0,
    bbox: [
      Math.min(...boxes.map((b) => b[0])),
      100,
      Math.max(...boxes.map((b) => b[2])),
      110 + (lines.length - 1) * 12,
    ],
    text: 'words',
    lines: boxes.map((bbox) => ({
      bbox,
      spans: [{ text: 'words', bbox, font: 'Times-Roman', size: 10 }],
    })),
  } as Block;
}

test('alignment from line edges', () => {
  // Justified, last line short.
  assert.equal(
    guessAlignment(
      block([
        [72, 300],
        [72, 300],
        [72, 180],
      ]),
    ),
    'justify',
  );
  // Justified with a first-line indent, going on past the column: every line full.
  assert.equal(
    guessAlignment(
      block([
        [82, 300],
        [72, 300],
        [72, 300],
        [72, 300],
      ]),
    ),
    'justify',
  );
  // The first two lines of an indented justified paragraph, at the foot of a column.
  assert.equal(
    guessAlignment(
      block([
        [84, 300],
        [72, 300],
      ]),
    ),
    'justify',
  );
  // Two right-aligned lines (a signature, an address): the shorter one starts far in.
  assert.equal(
    guessAlignment(
      block([
        [200, 300],
        [72, 300],
      ]),
    ),
    'right',
  );
  // Ragged left: every right edge aligned, the left edges all different.
  assert.equal(
    guessAlignment(
      block([
        [120, 300],
        [90, 300],
        [150, 300],
      ]),
    ),
    'right',
  );
  assert.equal(
    guessAlignment(
      block([
        [72, 250],
        [72, 290],
        [72, 200],
      ]),
    ),
    'left',
  );
  assert.equal(
    guessAlignment(
      block([
        [100, 200],
        [80, 220],
        [120, 180],
      ]),
    ),
    'center',
  );
});

test('a table column is aligned as most of its cells share an edge', () => {
  const cell = (col: number, x0: number, x1: number, row: number) => ({
    row,
    col,
    bbox: [x0, 100 + row * 12, x1, 110 + row * 12] as BBox,
    text: 'x',
  });
  const cells = [
    // Links set flush right, of different lengths, under a heading of the same column.
    cell(1, 450, 540, 0),
    cell(1, 487, 540, 1),
    cell(1, 464, 540, 2),
    cell(1, 476, 540, 3),
    // Labels flush left.
    cell(0, 29, 49, 1),
    cell(0, 29, 71, 2),
    cell(0, 29, 84, 3),
    // Centred figures.
    cell(2, 100, 120, 1),
    cell(2, 95, 125, 2),
    cell(2, 104, 116, 3),
    // Too few to say.
    cell(3, 200, 220, 1),
    cell(3, 210, 220, 2),
  ];
  assert.equal(columnAlignment(cells, 1), 'right');
  assert.equal(columnAlignment(cells, 0), 'left');
  assert.equal(columnAlignment(cells, 2), 'center');
  assert.equal(columnAlignment(cells, 3), undefined);
});

describe('sizes OCR read', () => {
  const shaper = new TextShaper(
    new FontLibrary(),
    'en',
    { design: 'sans', bold: false, italic: false },
    'ltr',
  );
  const measure = (t: string): number => shaper.measure(t);
  const ocrLine = (text: string, bbox: BBox, size: number, font = 'ocr'): Line => ({
    bbox,
    spans: [{ text, bbox, font, size }],
  });

  test('a label in a drawing whose row OCR read as high as its box is set at the width it had', () => {
    // "Subjective" 32 points wide, in a row 27 points high (the box around it): 17.6 pt.
    const lines = [ocrLine('Subjective', [146.4, 381.6, 178.6, 409], 17.6)];
    const size = ocrCheckedSize(lines, 17.6, measure);
    assert.ok(size < 9 && size > 6, `size ${size}`);
    // Set at that size, the word is about as wide as it was (within the slack).
    const width = measure('Subjective') * size;
    assert.ok(width > 32 && width < 32 * 1.2, `width ${width}`);
  });

  test('a line about as wide as its size makes it keeps its size', () => {
    const text = 'The technology acceptance model: a meta-analysis';
    const width = measure(text) * 10 * 0.9;
    const lines = [ocrLine(text, [90, 100, 90 + width, 110], 10)];
    assert.equal(ocrCheckedSize(lines, 10, measure), 10);
  });

  test('a text layer is never resized, however narrow its font', () => {
    const lines = [ocrLine('Subjective', [146.4, 381.6, 178.6, 409], 17.6, 'Times-Roman')];
    assert.equal(ocrCheckedSize(lines, 17.6, measure), 17.6);
  });

  test('a resized style keeps the pitch of its lines', () => {
    const b = block([
      [72, 300],
      [72, 300],
    ]);
    const style = sourceStyle(b);
    assert.equal(style.lineSpacing, 1.2);
    const small = resized(style, b.lines, 8);
    assert.deepEqual([small.size, small.lineSpacing], [8, 1.5]);
  });
});

describe('condensedScale', () => {
  const line = (font: string, text: string, width: number, size = 10): Line => ({
    bbox: [100, 100, 100 + width, 110],
    spans: [{ text, font, size, bbox: [100, 100, 100 + width, 110] }],
  });
  // A stand-in replacement font: every character half an em wide.
  const measure = (t: string): number => t.length * 0.5;

  test('condensed faces are told by name', () => {
    for (const n of [
      'PTIQQO+HelveticaNeueLTStd-Cn',
      'HelveticaNeueLTStd-BdCn',
      'HelveticaNeueLTStd-BlkCn',
      'ArialNarrow-Bold',
      'RobotoCondensed-Regular',
      'Univers-Compressed',
    ])
      assert.ok(isCondensedFontName(n), n);
    for (const n of ['HelveticaNeueLTStd-Roman', 'ABCDEF+NimbusRomNo9L-Regu', 'CMR10', 'Arial'])
      assert.ok(!isCondensedFontName(n), n);
  });

  test('a condensed source gets the ratio of its width to the replacement’s, within 75–100%', () => {
    // 20 characters: 100 pt at size 10 in the replacement, 82 pt in the source.
    assert.equal(
      condensedScale([line('HelveticaNeueLTStd-Cn', 'a'.repeat(20), 82)], measure),
      0.82,
    );
    assert.equal(condensedScale([line('ArialNarrow', 'a'.repeat(20), 50)], measure), 0.75);
    // As wide as the replacement: no scale.
    assert.equal(condensedScale([line('ArialNarrow', 'a'.repeat(20), 99)], measure), 1);
  });

  test('a normal face keeps its width, however narrow its source', () => {
    assert.equal(condensedScale([line('NimbusRomNo9L-Regu', 'a'.repeat(20), 80)], measure), 1);
    // Mostly normal text with a condensed word: no scale.
    const mixed: Line = {
      bbox: [100, 100, 300, 110],
      spans: [
        { text: 'a'.repeat(30), font: 'Helvetica', size: 10, bbox: [100, 100, 250, 110] },
        { text: 'bbbb', font: 'Helvetica-Condensed', size: 10, bbox: [250, 100, 266, 110] },
      ],
    };
    assert.equal(condensedScale([mixed], measure), 1);
  });
});
