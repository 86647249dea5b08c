import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BBox, Block, Span } from '@docat/contracts';
import { inlineMarks } from './inline-marks.js';

/** A span on baseline `base` (y down), its box one size high, 0.77 of it above the baseline. */
function span(text: string, x: number, base: number, size: number, font: string): Span {
  const bbox: BBox = [x, base - size * 0.77, x + text.length * size * 0.5, base + size * 0.23];
  return { text, bbox, font, size };
}

function block(spans: Span[], text: string): Pick<Block, 'lines' | 'text'> {
  return { text, lines: [{ bbox: [0, 90, 200, 103], spans }] };
}

describe('math parts', () => {
  test('U with the subscript x0,y: the subscript is smaller and lower, letters in math italic', () => {
    // TeX sets `U_{x_0,y}` in CMMI10, CMMI7 and CMR5 (the digit), on a line of CMR10 text.
    const b = block(
      [
        span('Sei ', 0, 100, 10, 'ABCDEF+CMR10'),
        span('U', 20, 100, 10, 'ABCDEF+CMMI10'),
        span('x', 27, 101.5, 7, 'ABCDEF+CMMI7'),
        span('0', 31, 102.5, 5, 'ABCDEF+CMR5'),
        span(',y', 34, 101.5, 7, 'ABCDEF+CMMI7'),
        span(' offen und ', 42, 100, 10, 'ABCDEF+CMR10'),
        span('n', 90, 100, 10, 'ABCDEF+CMMI10'),
        span('2', 95, 96.4, 7, 'ABCDEF+CMR7'),
        span(' klein.', 100, 100, 10, 'ABCDEF+CMR10'),
      ],
      'Sei Ux0,y offen und n2 klein.',
    );
    const marks = inlineMarks(b);
    assert.deepEqual(
      marks.map((m) => b.text.slice(m.start, m.end)),
      ['Ux0,y', 'n2'],
    );
    assert.deepEqual(marks[0]!.parts, [
      { length: 1, scale: 1, rise: 0, italic: true },
      { length: 1, scale: 0.7, rise: -0.15, italic: true },
      { length: 1, scale: 0.5, rise: -0.25 },
      { length: 2, scale: 0.7, rise: -0.15, italic: true },
    ]);
    // The superscript `2` of `n²` is set in a text font (CMR7): the math run takes it in.
    assert.deepEqual(marks[1]!.parts, [
      { length: 1, scale: 1, rise: 0, italic: true },
      { length: 1, scale: 0.7, rise: 0.36 },
    ]);
  });

  test('a superscript is raised; a run on the line at its size in an upright math font has no parts', () => {
    const b = block(
      [
        span('Es gilt ', 0, 100, 10, 'CMR10'),
        span('f', 40, 100, 10, 'CMMI10'),
        span('−1', 45, 96.2, 7, 'CMSY7'),
        span(' und ', 55, 100, 10, 'CMR10'),
        span('∈', 80, 100, 10, 'CMSY10'),
        span(' sonst.', 86, 100, 10, 'CMR10'),
      ],
      'Es gilt f−1 und ∈ sonst.',
    );
    const marks = inlineMarks(b);
    assert.deepEqual(
      marks.map((m) => [b.text.slice(m.start, m.end), m.parts]),
      [
        [
          'f−1',
          [
            { length: 1, scale: 1, rise: 0, italic: true },
            { length: 2, scale: 0.7, rise: 0.38 },
          ],
        ],
        ['∈', undefined],
      ],
    );
  });
});
