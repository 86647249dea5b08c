import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BBox, Line, Span } from '@docat/contracts';
import { decorationOps, itemDecorations } from './text-decorations.js';

const SIZE = 10;
/** A span on the line whose baseline is `base` (displayed page, y down). */
const span = (text: string, x0: number, x1: number, base: number, href?: string): Span => ({
  text,
  bbox: [x0, base - 8, x1, base + 2],
  font: 'Helvetica',
  size: SIZE,
  ...(href ? { href } : {}),
});
const line = (...spans: Span[]): Line => ({
  bbox: [
    Math.min(...spans.map((s) => s.bbox[0])),
    spans[0]!.bbox[1],
    Math.max(...spans.map((s) => s.bbox[2])),
    spans[0]!.bbox[3],
  ],
  spans,
});
const bar = (x0: number, x1: number, y: number, t = 0.6) => ({
  box: [x0, y - t / 2, x1, y + t / 2] as BBox,
  thickness: t,
});

describe('itemDecorations', () => {
  const lines = [
    line(
      span('The latest release is on the ', 72, 200, 100),
      span('project page', 200, 260, 100, 'https://x'),
    ),
    line(span('with notes for each version.', 72, 210, 114)),
  ];

  test('a link underline is drawn again under the link; a strike-through of plain words is only removed', () => {
    const d = itemDecorations(
      lines,
      SIZE,
      [100, 114],
      [
        bar(200, 260, 101.5),
        bar(100, 150, 111),
        bar(72, 300, 300), // elsewhere on the page
      ],
    );
    assert.deepEqual(d.taken, [0, 1]);
    assert.equal(d.redraw.length, 1);
    assert.equal(d.redraw[0]!.kind, 'under');
    assert.equal(d.redraw[0]!.href, 'https://x');
    assert.ok(Math.abs(d.redraw[0]!.rise + 0.15) < 1e-9);
    assert.ok(Math.abs(d.redraw[0]!.weight - 0.06) < 1e-9);
  });

  test('lines under single words of a link that is one span are drawn again once, under the link', () => {
    const d = itemDecorations(
      lines,
      SIZE,
      [100, 114],
      [bar(200, 228, 101.5), bar(231, 260, 101.5)],
    );
    assert.deepEqual(d.taken, [0, 1]);
    assert.equal(d.redraw.length, 1);
    assert.equal(d.redraw[0]!.href, 'https://x');
  });

  test('under every line across its words, the whole block is underlined', () => {
    const d = itemDecorations(lines, SIZE, [100, 114], [bar(72, 260, 101.5), bar(72, 210, 115.5)]);
    assert.deepEqual(d.taken, [0, 1]);
    assert.equal(d.redraw.length, 1);
    assert.equal(d.redraw[0]!.whole, true);
    assert.equal(d.redraw[0]!.href, undefined);
  });

  test('a rule longer than the words, a thick bar or one used by another block is not taken', () => {
    const d = itemDecorations(
      lines,
      SIZE,
      [100, 114],
      [bar(40, 500, 101.5), bar(72, 200, 101.5, 3), bar(72, 210, 115.5)],
      new Set([2]),
    );
    assert.deepEqual(d.taken, []);
    assert.deepEqual(d.redraw, []);
  });
});

describe('decorationOps', () => {
  test('draws a bar per stretch at the scaled height and thickness, in the colour given', () => {
    const ops = decorationOps(
      { kind: 'under', rise: -0.15, weight: 0.06, source: 0 },
      [{ op: 'rg', operands: [0, 0, 1].map((value) => ({ kind: 'number' as const, value })) }],
      [{ x0: 10, x1: 50, baseline: 100, size: 20 }],
    );
    assert.deepEqual(
      ops.map((o) => o.op),
      ['q', 'rg', 're', 'f', 'Q'],
    );
    assert.deepEqual(
      ops[2]!.operands.map((v) => (v.kind === 'number' ? v.value : NaN)),
      [10, 96.4, 40, 1.2],
    );
  });
});
