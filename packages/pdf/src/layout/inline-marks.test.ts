import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BBox, Block, Span } from '@docat/contracts';
import { inlineMarks } from './inline-marks.js';
import { frameAxes, frameBoxToPage } from './rotated-text.js';

function span(text: string, style: Partial<Span> = {}): Span {
  return { text, bbox: [0, 0, 10, 10], font: 'Times-Roman', size: 10, ...style };
}

function block(lines: Span[][], text: string): Pick<Block, 'lines' | 'text'> {
  return { text, lines: lines.map((spans) => ({ bbox: [0, 0, 10, 10] as BBox, spans })) };
}

describe('inlineMarks', () => {
  test('a run-in bold heading and an italic word over a joined hyphen', () => {
    const b = block(
      [
        [
          span('Function inlining.', { bold: true, font: 'Times-Bold' }),
          span(' LIR traces can cross function bound-'),
        ],
        [span('aries '), span('freely', { italic: true }), span(' in both directions.')],
      ],
      'Function inlining. LIR traces can cross function boundaries freely in both directions.',
    );
    const marks = inlineMarks(b).map((m) => ({
      text: b.text.slice(m.start, m.end),
      bold: m.bold,
      italic: m.italic,
    }));
    assert.deepEqual(marks, [
      { text: 'Function inlining.', bold: true, italic: undefined },
      { text: 'freely', bold: undefined, italic: true },
    ]);
  });

  test('styles are relative to the block: a bold heading with one regular word marks that word', () => {
    const b = block(
      [[span('Results for', { bold: true }), span(' most ', {}), span('programs', { bold: true })]],
      'Results for most programs',
    );
    assert.deepEqual(inlineMarks(b), [{ start: 12, end: 16, bold: false }]);
  });

  test('a colour a shade off is the same colour; a blue link is a mark', () => {
    const b = block(
      [
        [
          span('See the', { color: '#000000' }),
          span(' report', { color: '#0a0a0a' }),
          span(' online', { color: '#1a4dcc', href: 'https://example.com' }),
          span(' today.', { color: '#000000' }),
        ],
      ],
      'See the report online today.',
    );
    assert.deepEqual(inlineMarks(b), [
      { start: 15, end: 21, color: '#1a4dcc', href: 'https://example.com' },
    ]);
  });

  test('math set in math fonts is one mark per formula; a word between two formulas is not in one', () => {
    const math = (text: string) => span(text, { font: 'BKSOJG+CMMI10' });
    const text = 'Es gilt σ ∈ SL2(R) für alle a = 0 Da M ∈ G.';
    const b = block(
      [
        [
          span('Es gilt '),
          math('σ'),
          span(' '),
          span('∈', { font: 'BIKXFS+CMSY10' }),
          span(' SL2(', { font: 'AAABNJ+CMR10' }),
          span('R', { font: 'BMXTTE+MSBM10' }),
          span(') für alle '),
          math('a'),
          span(' = 0 Da '),
          math('M'),
          span(' '),
          span('∈', { font: 'BIKXFS+CMSY10' }),
          math(' G'),
          span('.'),
        ],
      ],
      text,
    );
    const marks = inlineMarks(b).map((m) => [text.slice(m.start, m.end), m.math]);
    assert.deepEqual(marks, [
      ['σ ∈ SL2(R', true],
      ['a', true],
      ['M ∈ G', true],
    ]);
  });

  test('unshown spans do not decide the block style', () => {
    const b = block(
      [[span('hidden words here', { hidden: true, bold: true }), span('shown')]],
      'hidden words here shown',
    );
    assert.equal(inlineMarks(b)[0]!.bold, true);
  });
});

describe('frames of text at an angle', () => {
  test('a frame box maps back onto the page box it came from', () => {
    for (const angle of [90, -90, 30, 180]) {
      const { u, d } = frameAxes(angle);
      assert.ok(Math.abs(u[0] * d[0] + u[1] * d[1]) < 1e-9, 'axes are perpendicular');
    }
    // Text running up the page (90 degrees): its frame's x runs along -y of the page.
    const page = frameBoxToPage(90, [-300, 100, -200, 112]);
    assert.deepEqual(
      page.map((v) => Math.round(v)),
      [100, 200, 112, 300],
    );
  });
});

describe('unshown text on a shown line', () => {
  test('is laid out as its own block', async () => {
    const { layoutPage } = await import('./page-layout.js');
    const { layoutAngled } = await import('./rotated-text.js');
    const line = (text: string, x: number, hidden?: boolean): Span => ({
      text,
      bbox: [x, 100, x + text.length * 5, 112],
      font: 'Helvetica',
      size: 10,
      ...(hidden ? { hidden } : {}),
    });
    const page = layoutAngled(
      {
        number: 1,
        width: 600,
        height: 800,
        rotation: 0,
        spans: [
          line('Quarterly results are in line with the plan.', 72),
          line('internal note', 300, true),
          line('The second line of the paragraph follows here.', 72),
        ].map((s, i) => (i === 2 ? { ...s, bbox: [72, 114, 302, 126] as BBox } : s)),
        images: [],
        paths: [],
        fields: [],
        quality: { chars: 0, garbage: 0 },
      },
      layoutPage,
    );
    const hidden = page.blocks.filter((b) => b.lines.every((l) => l.spans.every((s) => s.hidden)));
    assert.equal(hidden.length, 1);
    assert.equal(hidden[0]!.text, 'internal note');
    assert.ok(
      page.blocks.some((b) => b.text.includes('Quarterly') && !b.text.includes('internal')),
    );
    assert.deepEqual(
      page.blocks.map((b) => b.order),
      page.blocks.map((_, i) => i),
    );
  });
});
