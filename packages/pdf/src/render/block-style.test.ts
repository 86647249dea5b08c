import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BBox, Block } from '@docat/contracts';
import { guessAlignment } from './block-style.js';

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
