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

describe('scripts in prose', () => {
  test('a footnote mark, citation numbers and a subscript are script marks; neighbours merge', () => {
    const b = block(
      [
        span('Firefox', 0, 100, 10, 'Times-Roman'),
        span('1', 35, 96, 7, 'Times-Roman'),
        span(' ships it,', 40, 100, 10, 'Times-Roman'),
        span('[5]', 85, 96.2, 8, 'Georgia'),
        span('[6]', 97, 96.2, 8, 'Georgia'),
        span(' as does H', 109, 100, 10, 'Times-Roman'),
        span('2', 159, 101.5, 7, 'Times-Roman'),
        span('O.', 163, 100, 10, 'Times-Roman'),
      ],
      'Firefox1 ships it,[5][6] as does H2O.',
    );
    const marks = inlineMarks(b);
    assert.deepEqual(
      marks.map((m) => [b.text.slice(m.start, m.end), m.script, m.math, m.parts]),
      [
        ['1', true, undefined, [{ length: 1, scale: 0.7, rise: 0.4 }]],
        ['[5][6]', true, undefined, [{ length: 6, scale: 0.8, rise: 0.38 }]],
        ['2', true, undefined, [{ length: 1, scale: 0.7, rise: -0.15 }]],
      ],
    );
  });

  test('a linked citation keeps its link beside its setting', () => {
    const cite = { ...span('[12]', 40, 96.2, 8, 'Georgia'), href: '#cite-12', color: '#0645ad' };
    const b = block(
      [span('The reader', 0, 100, 10, 'Georgia'), cite, span(' is fast.', 60, 100, 10, 'Georgia')],
      'The reader[12] is fast.',
    );
    assert.deepEqual(inlineMarks(b), [
      {
        start: 10,
        end: 14,
        color: '#0645ad',
        href: '#cite-12',
        script: true,
        parts: [{ length: 4, scale: 0.8, rise: 0.38 }],
      },
    ]);
  });

  test('no script: a raised word, small text on the baseline, a line all in one small size', () => {
    const raised = block(
      [
        span('See the', 0, 100, 10, 'Times-Roman'),
        span('note', 35, 96, 7, 'Times-Roman'),
        span(' below.', 50, 100, 10, 'Times-Roman'),
      ],
      'See the note below.',
    );
    assert.deepEqual(inlineMarks(raised), []);
    const smallCaps = block(
      [
        span('Set in ', 0, 100, 10, 'Times-Roman'),
        span('NASA', 30, 100, 7, 'Times-Roman'),
        span(' small capitals.', 50, 100, 10, 'Times-Roman'),
      ],
      'Set in NASA small capitals.',
    );
    assert.deepEqual(inlineMarks(smallCaps), []);
    const small = block([span('3', 0, 96, 7, 'Times-Roman')], '3');
    assert.deepEqual(inlineMarks(small), []);
  });
});
