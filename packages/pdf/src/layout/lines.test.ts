import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Span } from '@docat/contracts';
import { buildLines } from './lines.js';

/** A 10 pt span on the line whose top is `top`, from x0 to x1. */
function span(text: string, x0: number, x1: number, top: number): Span {
  return { text, bbox: [x0, top, x1, top + 10], font: 'Times-Roman', size: 10 };
}

describe('buildLines', () => {
  test("a big operator's lower limit, set from where its upper limit starts, stays on the line", () => {
    // GeoTopo: "..., sodass ⋃_{i=1}^m U_{x_i} ⊇ K." in running text, drawn in this order
    // (the upper limit before the lower one, both from x 420.9).
    const s = (text: string, font: string, size: number, b: Span['bbox']): Span => ({
      text,
      font,
      size,
      bbox: b,
    });
    const lines = buildLines([
      s(', sodass', 'SFRM1095', 10.9, [371.6, 656.0, 408.2, 665.6]),
      s('⋃', 'CMEX10', 10.9, [411.8, 654.9, 420.9, 661.9]),
      s('m', 'CMMI8', 8, [420.9, 652.9, 428.4, 660.0]),
      s('i', 'CMMI8', 8, [420.9, 661.2, 423.8, 668.3]),
      s('=1', 'CMR8', 8, [423.8, 660.7, 434.6, 668.7]),
      s('U', 'CMMI10', 10.9, [436.9, 655.3, 444.4, 666.2]),
      s('x', 'CMMI8', 8, [444.4, 659.6, 449.1, 666.7]),
      s('i', 'CMMI6', 6, [449.1, 662.2, 451.8, 667.5]),
      s('⊇', 'CMSY10', 10.9, [455.8, 655.0, 464.3, 674.0]),
      s('K.', 'CMMI10', 10.9, [467.4, 655.3, 480.4, 666.2]),
    ]);
    assert.equal(lines.length, 1, JSON.stringify(lines.map((l) => l.text)));
    // An upper limit of several spans ("m(x)"), and a formula that goes on before the lower
    // limit is drawn: "⋃^{m(x0)} U_{x0,yi} ×" and then "i=1" under the "m".
    const again = buildLines([
      s('Also gibt es', 'SFRM1095', 10.9, [110, 280.6, 170, 290.3]),
      s('⋃', 'CMEX10', 10.9, [171.0, 279.6, 180.1, 286.6]),
      s('m', 'CMMI8', 8, [180.1, 276.9, 187.6, 284.0]),
      s('(', 'CMR8', 8, [187.6, 276.5, 190.9, 284.5]),
      s('x', 'CMMI8', 8, [190.9, 276.9, 195.7, 284.0]),
      s(')', 'CMR8', 8, [195.8, 276.5, 199.1, 284.5]),
      s('U', 'CMMI10', 10.9, [201.5, 280.0, 209.0, 290.9]),
      s('×', 'CMSY10', 10.9, [212.7, 279.8, 221.1, 298.7]),
      s('i', 'CMMI8', 8, [180.1, 285.9, 183.0, 293.0]),
      s('=1', 'CMR8', 8, [183.0, 285.5, 193.8, 293.5]),
    ]);
    assert.equal(again.length, 1, JSON.stringify(again.map((l) => l.text)));
    // Two lines of prose one above the other, the lower starting further left, stay apart.
    assert.equal(
      buildLines([span('first line of words', 100, 300, 100), span('second', 90, 200, 112)]).length,
      2,
    );
  });

  test("a list's bullet joins its item's text set at a tab stop, in either order", () => {
    const bullet = (text: string, font: string): Span => ({ ...span(text, 71, 76, 100), font });
    const item = span('The size of one pixel can be two different values.', 89, 320, 100);
    for (const [b, reads] of [
      [bullet('•', 'SymbolMT'), '•'],
      [bullet('\uF0B7', 'SymbolMT'), '\uF0B7'],
      // Word's second-level bullet, a letter o in Courier New.
      [bullet('o', 'CourierNewPSMT'), '◦'],
    ] as const) {
      for (const order of [
        [b, item],
        [item, b],
      ]) {
        const lines = buildLines(order);
        assert.deepEqual(
          lines.map((l) => l.text),
          [`${reads} The size of one pixel can be two different values.`],
        );
      }
    }
    // A letter o in a text face is a word, and a bullet further off than a tab stop is apart.
    assert.equal(buildLines([bullet('o', 'Times-Roman'), item]).length, 2);
    assert.equal(
      buildLines([bullet('•', 'SymbolMT'), { ...item, bbox: [120, 100, 350, 110] }]).length,
      2,
    );
  });

  test('a run-in heading stays on the first line of its paragraph, a quad before its words', () => {
    const bold = (text: string, x0: number, x1: number): Span => ({
      ...span(text, x0, x1, 100),
      font: 'Times-Bold',
      bold: true,
    });
    // ACM's "General Terms" and TeX's \paragraph: the heading, then 1 em, then the text.
    assert.deepEqual(
      buildLines([
        bold('General Terms', 54, 115),
        span('Design, Experimentation, Measurement, Perfor-', 125, 300, 100),
      ]).map((l) => l.text),
      ['General Terms Design, Experimentation, Measurement, Perfor-'],
    );
    // Not so: a label ending in a colon beside its value, a bold cell beside a number, and
    // text further off than a quad and a half.
    for (const [head, next] of [
      [bold('District Representatives:', 54, 160), span('Board President Smith', 170, 260, 100)],
      [bold('Total', 54, 80), span('12,400', 90, 120, 100)],
      [bold('General Terms', 54, 115), span('Design and more', 132, 220, 100)],
    ] as const)
      assert.equal(buildLines([head, next]).length, 2, `${head.text} / ${next.text}`);
  });

  test('a year set large beside a title is its own line; one a word space after it joins', () => {
    const sized = (text: string, x0: number, x1: number, top: number, size: number): Span => ({
      text,
      bbox: [x0, top, x1, top + size],
      font: 'Helvetica-Bold',
      size,
    });
    // As Form 1040 prints it: a 12 pt title, then "2010" in 20 pt type 11 pt to its right.
    const form = buildLines([
      sized('U.S. Individual Income Tax Return', 108.8, 291.4, 50, 12),
      sized('20', 302.4, 327.7, 46, 20),
      sized('10', 327.7, 354.4, 46, 20),
    ]).map((l) => l.text);
    assert.deepEqual(form, ['U.S. Individual Income Tax Return', '2010']);
    // A report's cover: the year a word space (at the title's size) after it.
    const cover = buildLines([
      sized('Annual Report', 108, 210, 50, 12),
      sized('2010', 213.5, 264, 46, 20),
    ]).map((l) => l.text);
    assert.deepEqual(cover, ['Annual Report 2010']);
    // A footnote mark set small right after its word stays in the line.
    const marked = buildLines([
      span('as shown in the trace tree', 72, 180, 100),
      { text: '2', bbox: [180.5, 99, 184, 106], font: 'Times-Roman', size: 7 },
      span('and its branches.', 186, 250, 100),
    ]).map((l) => l.text);
    assert.equal(marked.length, 1, JSON.stringify(marked));
  });

  test('a stretched sentence space wider than the gutter keeps its line whole', () => {
    // Two justified columns 10 pt apart (LaTeX's gutter at 10 pt type), lines 12 pt apart.
    const spans = [
      [span('Lorem ipsum dolor sit amet, consectetuer adip-', 72, 301, 100)],
      [span('pellentesque ante. Phasellus adipiscing', 311, 540, 100)],
      // 14 pt between "mauris." and "Nam": wider than the 10 pt gutter.
      [span('mauris.', 72, 104, 112), span('Nam arcu libero, con-', 118, 301, 112)],
      [span('semper elit. Proin fermentum massa', 311, 540, 112)],
      [span('sectetuer id, vulputate a, magna. Donec', 72, 301, 124)],
      [span('quam. Sed diam turpis, molestie vitae', 311, 540, 124)],
    ].flat();
    const lines = buildLines(spans).map((l) => l.text);
    assert.ok(lines.includes('mauris. Nam arcu libero, con-'), JSON.stringify(lines));
    // The gutter itself is never bridged.
    assert.equal(lines.filter((t) => t.includes('adip-') && t.includes('pellentesque')).length, 0);
    assert.equal(lines.length, 6);
  });

  test('sentence spaces on two lines in a row vouch for each other', () => {
    const lines = buildLines([
      span('Lorem ipsum dolor sit amet, consectetuer adip-', 72, 301, 100),
      span('iscing elit.', 72, 118, 112),
      span('Ut purus elit, vestibulum ut, placerat', 127.6, 301, 112),
      span('mauris.', 72, 104, 124),
      span('Nam arcu libero, nonummy eget, con-', 118.1, 301, 124),
      span('sectetuer id, vulputate a, magna. Donec', 72, 301, 136),
    ]).map((l) => l.text);
    assert.deepEqual(lines, [
      'Lorem ipsum dolor sit amet, consectetuer adip-',
      'iscing elit. Ut purus elit, vestibulum ut, placerat',
      'mauris. Nam arcu libero, nonummy eget, con-',
      'sectetuer id, vulputate a, magna. Donec',
    ]);
  });

  test('the first lines of two columns under a full-width paragraph stay apart', () => {
    const lines = buildLines([
      span('An abstract set across the whole width of the page, above both columns.', 72, 540, 88),
      span('The first line of the left column', 72, 301, 100),
      span('The first line of the right column', 311, 540, 100),
      span('The second line of the left column', 72, 301, 112),
      span('The second line of the right column', 311, 540, 112),
    ]).map((l) => l.text);
    assert.equal(lines.length, 5, JSON.stringify(lines));
  });

  test('table cells whose column gap runs down the rows stay apart', () => {
    const rows = [100, 112, 124].flatMap((top) => [
      span('Cell text', 72, 150, top),
      span('Next cell', 165, 240, top),
    ]);
    const lines = buildLines([
      span('A paragraph line above the table, long enough', 72, 300, 88),
      ...rows,
    ]);
    assert.equal(lines.length, 7);
  });
});
