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
  test('inline mathematics wrapped to the start of a line stays in its paragraph under a heading set out', () => {
    // GeoTopo p. 20: a paragraph at x 110 under a heading at x 90; its sentence's formula
    // runs on to the next line at the paragraph's left edge. (Read against the heading's
    // edge the line was displayed mathematics and a block of its own, left untranslated.)
    const tex = (text: string, font: string, size: number, x0: number, x1: number, top: number) =>
      ({ text, font, size, bbox: [x0, top, x1, top + size * 0.9] }) as Span;
    const blocks = layoutPage(
      page([
        { ...tex('Bemerkung 20', 'YPEZKV+SFBX1095', 10.9, 90, 169, 238), bold: true },
        tex(
          'Die offenen Mengen überdecken die Menge, denn sie ist kompakt. Also gibt es',
          'FJKNGJ+SFRM1095',
          10.9,
          110,
          470,
          250,
        ),
        tex('U', 'BKSOJG+CMMI10', 10.9, 474, 481, 250),
        tex('×', 'BIKXFS+CMSY10', 10.9, 484, 492, 250),
        tex('V', 'BKSOJG+CMMI10', 10.9, 110, 117, 263),
        tex('x', 'GBBWBG+CMMI8', 8, 117, 122, 266),
        tex('⊇', 'BIKXFS+CMSY10', 10.9, 126, 134, 263),
        tex('{', 'BIKXFS+CMSY10', 10.9, 137, 142, 263),
        tex('x', 'BKSOJG+CMMI10', 10.9, 144, 150, 263),
        tex('} ×', 'BIKXFS+CMSY10', 10.9, 153, 168, 263),
        tex('Y', 'BKSOJG+CMMI10', 10.9, 171, 178, 263),
        tex('.', 'FJKNGJ+SFRM1095', 10.9, 179, 182, 263),
        tex(
          'Damit ist der Beweis der Aussage fertig und wir kommen zur nächsten.',
          'FJKNGJ+SFRM1095',
          10.9,
          110,
          450,
          290,
        ),
      ]),
    ).blocks;
    const para = blocks.find((b) => b.text.startsWith('Die offenen'));
    assert.ok(para && /⊇/u.test(para.text), JSON.stringify(blocks.map((b) => [b.type, b.text])));
    assert.ok(!blocks.some((b) => b.type === 'formula'), JSON.stringify(blocks.map((b) => b.type)));
  });

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

  test('footnotes, each opened by a small raised mark, are a paragraph each', () => {
    // As Google Docs sets a page's notes: a 6 pt mark, then the note at 10 pt.
    const note = (mark: string, text: string, top: number): Span[] => [
      { text: mark, bbox: [72, top, 75.3, top + 6.8], font: 'ArialMT', size: 6 },
      { text, bbox: [78.1, top + 0.2, 140.9, top + 11.4], font: 'ArialMT', size: 10 },
    ];
    const blocks = texts([
      span('Population figures are the latest each country has published.', 72, 400, 700),
      ...note('1', '2021 estimate', 735.5),
      ...note('2', '2020 estimate', 747),
      ...note('3', '2020 estimate', 758.5),
    ]);
    assert.deepEqual(
      blocks.slice(-3),
      ['1 2021 estimate', '2 2020 estimate', '3 2020 estimate'],
      JSON.stringify(blocks),
    );
    // A mark in the running text hangs on its word: the line goes on.
    const running = texts([
      span('The census counted the population of each', 72, 400, 100),
      { text: '4', bbox: [400, 100, 403, 106.8], font: 'ArialMT', size: 6 },
      span('region in the same year as the others did.', 72, 380, 113),
    ]);
    assert.equal(running.length, 1, JSON.stringify(running));
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

  test('a matrix set in math fonts is a formula, not a table of its entries', () => {
    // The matrix of GeoTopo page 37 as pdf.js reads it: entries a_i1 ... a_nn between
    // the pieces of its parentheses, "A_ij =" before it, "∈ R^(n−1)×(n−1)" after.
    const m = (text: string, font: string, size: number, bbox: number[]): Span => ({
      text,
      font,
      size,
      bbox: bbox as [number, number, number, number],
    });
    const laid = layoutPage(
      page([
        m('\uf8eb', 'CMEX10', 10.91, [274.55, 440.16, 284.09, 447.14]),
        m('\uf8f6', 'CMEX10', 10.91, [348.92, 440.16, 358.47, 447.14]),
        m('a', 'CMMI10', 10.91, [285.22, 441.27, 290.98, 452.18]),
        m('. . .', 'CMMI10', 10.91, [309.69, 441.27, 322.41, 452.18]),
        m('a', 'CMMI10', 10.91, [333.51, 441.27, 339.28, 452.18]),
        m('1', 'CMR8', 7.97, [293.87, 445.11, 298.1, 453.08]),
        m('i', 'CMMI8', 7.97, [290.99, 445.55, 293.87, 452.63]),
        m('in', 'CMMI8', 7.97, [339.27, 445.55, 347.3, 452.63]),
        m('.', 'SFRM1095', 10.91, [290.4, 453.07, 293.42, 462.7]),
        m('.', 'SFRM1095', 10.91, [339.14, 453.07, 342.16, 462.7]),
        m('. ', 'SFRM1095', 10.91, [310.32, 454.06, 314.55, 463.7]),
        m('(', 'CMR8', 7.97, [379.68, 455.31, 382.97, 463.28]),
        m('\u2212', 'CMSY8', 7.97, [388.11, 455.31, 394.7, 462.84]),
        m('1)', 'CMR8', 7.97, [394.7, 455.31, 402.22, 463.28]),
        m('\u00d7', 'CMSY8', 7.97, [402.22, 455.31, 408.81, 462.84]),
        m('(', 'CMR8', 7.97, [408.81, 455.31, 412.1, 463.28]),
        m('\u2212', 'CMSY8', 7.97, [417.24, 455.31, 423.83, 462.84]),
        m('1)', 'CMR8', 7.97, [423.83, 455.31, 431.36, 463.28]),
        m('n', 'CMMI8', 7.97, [382.97, 455.76, 388.11, 462.84]),
        m('n', 'CMMI8', 7.97, [412.1, 455.76, 417.24, 462.84]),
        m('.', 'SFRM1095', 10.91, [290.4, 457.05, 293.42, 466.69]),
        m('. ', 'SFRM1095', 10.91, [314.55, 457.05, 318.77, 466.69]),
        m('.', 'SFRM1095', 10.91, [339.14, 457.05, 342.16, 466.69]),
        m('\u2208', 'CMSY10', 10.91, [361.5, 457.34, 368.77, 476.27]),
        m('A', 'CMMI10', 10.91, [244.55, 457.61, 252.73, 468.52]),
        m('=', 'CMR10', 10.91, [263.03, 457.61, 271.52, 468.52]),
        m('\uf8ec', 'CMEX10', 10.91, [274.55, 459.36, 284.09, 466.34]),
        m('\uf8f7', 'CMEX10', 10.91, [348.92, 459.36, 358.47, 466.34]),
        m('.', 'SFRM1095', 10.91, [318.77, 460.04, 321.79, 469.67]),
        m('R', 'MSBM10', 10.91, [371.8, 460.73, 379.68, 467.98]),
        m('.', 'SFRM1095', 10.91, [290.4, 461.04, 293.42, 470.67]),
        m('.', 'SFRM1095', 10.91, [339.14, 461.04, 342.16, 470.67]),
        m('ij', 'CMMI8', 7.97, [252.73, 461.9, 259.04, 468.98]),
        m('\uf8ed', 'CMEX10', 10.91, [274.55, 466.34, 284.09, 473.32]),
        m('\uf8f8', 'CMEX10', 10.91, [348.92, 466.34, 358.47, 473.32]),
        m('a', 'CMMI10', 10.91, [284.09, 473.92, 289.86, 484.83]),
        m('. . .', 'CMMI10', 10.91, [309.69, 473.92, 322.41, 484.83]),
        m('a', 'CMMI10', 10.91, [332.39, 473.92, 338.15, 484.83]),
        m('1', 'CMR8', 7.97, [294.99, 477.76, 299.23, 485.73]),
        m('n', 'CMMI8', 7.97, [289.86, 478.21, 295, 485.29]),
        m('nn', 'CMMI8', 7.97, [338.15, 478.21, 348.42, 485.29]),
      ]),
    );
    const types = laid.blocks.map((b) => b.type);
    assert.ok(!types.includes('table'), JSON.stringify(types));
    assert.ok(types.includes('formula'), JSON.stringify(types));
  });
  test('lines broken by hand where the next word would have fitted are blocks of their own', () => {
    // Minutes of a meeting: a sentence over the measure, then the members one per line, each
    // ending well short of the measure with no stop. Read as one paragraph, the names ran
    // together and were set as running text.
    const blocks = texts([
      span(
        'The following members of the committee were present at the public meeting,',
        72,
        540,
        100,
      ),
      span('held in the council chamber of the town hall on the twentieth of June:', 72, 505, 114),
      span('Gaëtan Gagné, municipal councillor', 72, 262, 128),
      span('David Huggins-Daines, municipal councillor', 72, 305, 142),
      span('Ariane Bélanger, deputy clerk', 72, 232, 156),
    ]);
    assert.deepEqual(blocks, [
      'The following members of the committee were present at the public meeting, held in the council chamber of the town hall on the twentieth of June:',
      'Gaëtan Gagné, municipal councillor',
      'David Huggins-Daines, municipal councillor',
      'Ariane Bélanger, deputy clerk',
    ]);
  });
  test('a ragged line that ends short because the next word is long stays in its paragraph', () => {
    const blocks = texts([
      span(
        'The agency may require new software in the flight control computers of the',
        72,
        520,
        100,
      ),
      span('affected airplanes; see the service information at', 72, 330, 114),
      span('https://www.regulations.gov/document/FAA-2020-0686-0001 and the docket.', 72, 480, 128),
    ]);
    assert.equal(blocks.length, 1, JSON.stringify(blocks));
  });
});
