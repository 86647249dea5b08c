import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Span } from '@docat/contracts';
import { layoutPage } from './page-layout.js';
import { pageContent as page } from './page-content.test-support.js';

/** A 10.8 pt Arial span from x0 to x1 on the line whose top is `top`. */
function span(text: string, x0: number, x1: number, top: number, size = 10.8): Span {
  return { text, bbox: [x0, top, x1, top + size * 1.1], font: 'ArialMT', size };
}

const texts = (spans: Span[]) => layoutPage(page(spans)).blocks.map((b) => b.text);

describe('paragraphs', () => {
  test('a label with its value beside it is read apart from the paragraph above it', () => {
    // As the Cupertino school board's agenda sets an item: two lines, then labels in one
    // column and their values in another.
    const blocks = texts([
      span('The public may address the Board on any agenda item and any item.', 104, 536, 520),
      span('The Board will not respond or take action on any non-agenda item.', 104, 500, 533),
      span(
        '2.1 Public Employee Performance Evaluation – Pursuant to Government Code',
        106,
        491,
        560,
      ),
      span('Section 54957', 128, 199, 573),
      span('District Representatives:', 128, 248, 586),
      span('Board President Josephine Lucey and', 263, 449, 586),
      span('Vice-President Anjali Kausar', 263, 402, 598),
      span('Unrepresented Employee: Superintendent Wendy Gudalewicz', 128, 434, 611),
    ]);
    assert.deepEqual(
      blocks.slice(-4),
      [
        '2.1 Public Employee Performance Evaluation – Pursuant to Government Code Section 54957',
        'District Representatives:',
        'Board President Josephine Lucey and Vice-President Anjali Kausar',
        'Unrepresented Employee: Superintendent Wendy Gudalewicz',
      ],
      JSON.stringify(blocks),
    );
  });

  test("a form's line numbers are not joined with the margin notes beside them", () => {
    const b = (text: string, x0: number, x1: number, top: number): Span => ({
      ...span(text, x0, x1, top, 8),
      font: 'HelveticaNeueLTStd-Bd',
      bold: true,
    });
    const r = (text: string, x0: number, x1: number, top: number) => span(text, x0, x1, top, 8);
    // As Form 1040 sets lines 8b-10: the number of a box at the right of one row, a note in
    // the left margin whose lines fall between the rows, the next line's number beside it.
    const blocks = texts([
      r(
        'Wages, salaries, tips, etc. Attach Form(s) W-2 to the return and enter the total here',
        36,
        476,
        350,
      ),
      b('8b', 351.7, 361, 362),
      b('Attach Form(s)', 36, 90.9, 370.1),
      b('W-2 here. Also', 36, 90.3, 379.5),
      b('attach Forms', 36, 85.4, 388.8),
      b('W-2G and', 36, 72.8, 398.2),
      b('10', 113.5, 122.4, 398),
      r('Taxable refunds, credits, or offsets of state and local income taxes', 136.8, 476, 398),
      r(
        'For Disclosure, Privacy Act, and Paperwork Reduction Act Notice, see the instructions',
        36,
        476,
        410,
      ),
    ]);
    assert.ok(blocks.includes('8b'), JSON.stringify(blocks));
    assert.ok(
      blocks.every((t) => !/Form\(s\)|W-2G/u.test(t) || !/\b(?:8b|10)\b/u.test(t)),
      JSON.stringify(blocks),
    );
  });

  test('a line of displayed mathematics is not read into the sentence that leads into it', () => {
    // As GeoTopo (pdflatex) sets Bemerkung 32: a sentence with inline math, two display
    // lines centred below it, and the sentence's end.
    // Boxes as pdf.js gives them: 18.9 pt high for the math fonts, 9.6 pt for the text face.
    const f = (text: string, font: string, x0: number, x1: number, top: number, size = 9.96) => {
      const math = /^CM/u.test(font);
      const y0 = math ? top : top + 8.3;
      return {
        text,
        bbox: [x0, y0, x1, y0 + (math ? 18.92 : 9.64)] as [number, number, number, number],
        font,
        size,
      };
    };
    const laid = layoutPage(
      page([
        f('Ist', 'SFRM1095', 109.98, 124, 611.76),
        f('G', 'CMMI10', 127, 135, 611.76),
        f('eine Lie-Gruppe und', 'SFRM1095', 138, 230, 611.76),
        f('g', 'CMMI10', 233, 238, 611.76),
        f('∈', 'CMSY10', 241, 248, 611.76),
        f('G', 'CMMI10', 251, 259, 611.76),
        f(', so ist die Abbildung', 'SFRM1095', 259, 369.76, 611.76),
        f('l', 'CMMI10', 298.92, 302, 636.27),
        f('g', 'CMMI8', 302, 306, 636.27, 7.97),
        f(':', 'CMR10', 309, 312, 636.27),
        f('G', 'CMMI10', 315, 323, 636.27),
        f('→', 'CMSY10', 326, 336, 636.27),
        f('G', 'CMMI10', 342, 350.21, 636.27),
        f('h', 'CMMI10', 300.71, 306, 652.8),
        f('7', 'CMSY10', 310, 313, 652.8),
        f('→', 'CMSY10', 313, 323, 652.8),
        f('g', 'CMMI10', 326, 331, 652.8),
        f('·', 'CMSY10', 333, 336, 652.8),
        f('h', 'CMMI10', 338, 343.72, 652.8),
        f('ein Diffeomorphismus.', 'SFRM1095', 109.98, 215.41, 676.72),
      ]),
    );
    const blocks = laid.blocks.map((b) => [b.type, b.text]);
    assert.deepEqual(
      blocks.map(([type]) => type),
      ['paragraph', 'formula', 'paragraph'],
      JSON.stringify(blocks),
    );
    assert.match(laid.blocks[0]!.text, /^Ist G .* so ist die Abbildung$/u);
    assert.match(laid.blocks[1]!.text, /G → G.*g · h$/u);
  });
});
