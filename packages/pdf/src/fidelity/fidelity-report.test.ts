import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  FIDELITY_LIST_LIMIT,
  fidelityReportSchema,
  type BBox,
  type Block,
  type LayoutDocument,
} from '@docat/contracts';
import type { BlockPlacement } from '../render/render-translated.js';
import { buildFidelityReport, proseToken, proseTokens } from './fidelity-report.js';
import { frameBoxToPage } from '../layout/rotated-text.js';

function intersects(a: BBox, b: BBox): boolean {
  return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
}
import type { ReadBackPage, ReadWord } from './read-back.js';

function block(
  id: string,
  order: number,
  type: Block['type'],
  bbox: BBox,
  text: string,
  extra: Partial<Block> = {},
): Block {
  return {
    id,
    order,
    type,
    bbox,
    text,
    lines: [{ bbox, spans: [{ text, bbox, font: 'ABCDEF+NimbusRomNo9L-Regu', size: 10 }] }],
    ...extra,
  };
}

function layoutOf(...pages: Block[][]): LayoutDocument {
  return {
    schemaVersion: 1,
    pageCount: pages.length,
    pages: pages.map((blocks, i) => ({
      number: i + 1,
      width: 600,
      height: 800,
      rotation: 0,
      scanned: false,
      blocks,
    })),
  };
}

/** Words laid out left to right on one line inside `box`. */
function wordsIn(text: string, box: BBox): ReadWord[] {
  return text.split(' ').map((w, i) => ({
    text: w,
    box: [box[0] + i * 30, box[1], box[0] + i * 30 + 25, box[1] + 10] as BBox,
  }));
}

function page(kept: ReadWord[] = [], ink: BBox[] = [], notdef = 0): ReadBackPage {
  return { kept, keptInk: ink, added: [], notdef };
}

function placement(b: Block, extra: Partial<BlockPlacement> = {}): BlockPlacement {
  return {
    page: 1,
    blockId: b.id,
    order: b.order,
    box: b.bbox,
    lines: [[b.bbox[0], b.bbox[1], b.bbox[2], b.bbox[1] + 10]],
    sourceSize: 10,
    size: 10,
    overflow: false,
    missing: '',
    sourceFont: 'NimbusRomNo9L-Regu',
    fonts: ['NotoSerif-Regular'],
    ...extra,
  };
}

const P1: BBox = [50, 100, 550, 140];
const P2: BBox = [50, 200, 550, 240];

describe('fidelity report', () => {
  test('prose tokens: two letters or more, no numbers or addresses, punctuation trimmed', () => {
    assert.equal(proseToken('(trace-based,'), 'trace-based');
    assert.equal(proseToken('42'), null);
    assert.equal(proseToken('x'), null);
    assert.equal(proseToken('https://example.org'), null);
    assert.equal(proseToken('ﬁrst'), 'first');
    // Symbols that decompose into letters are no words: a character table's ™ is not "TM".
    assert.equal(proseToken('™'), null);
    assert.equal(proseToken('℠'), null);
    assert.deepEqual(proseTokens('A cat, 12 dogs and x.'), ['cat', 'dogs', 'and']);
  });

  test('a translated, set block whose source text is gone: full coverage, nothing to report', () => {
    const a = block('a', 0, 'paragraph', P1, 'The quick brown fox jumps');
    const report = buildFidelityReport({
      layout: layoutOf([a]),
      translations: new Map([['a', 'Der schnelle braune Fuchs springt']]),
      targetLanguage: 'de',
      placements: [placement(a)],
      output: [page()],
    });
    assert.equal(report.measuredOn, 'pdf');
    assert.deepEqual(report.pages, [
      {
        page: 1,
        words: 5,
        left: 0,
        coverage: 1,
        untranslated: 0,
        shrunk: 0,
        overflowing: 0,
        overlaps: 0,
      },
    ]);
    assert.equal(report.summary.coverage, 1);
    assert.deepEqual(report.untranslated, []);
    assert.doesNotThrow(() => fidelityReportSchema.parse(report));
  });

  test('words left are the source words still drawn in their block; new text that repeats a word does not count', () => {
    const a = block('a', 0, 'paragraph', P1, 'Java runs the loop');
    const b = block('b', 1, 'paragraph', P2, 'Tracing compiles hot loops');
    const report = buildFidelityReport({
      layout: layoutOf([a, b]),
      // `b` came back unchanged from the engine; `a` keeps the name "Java" in its translation.
      translations: new Map([
        ['a', 'Java führt die Schleife aus'],
        ['b', 'Tracing compiles hot loops'],
      ]),
      targetLanguage: 'de',
      placements: [placement(a)],
      output: [
        {
          ...page(wordsIn('Tracing compiles hot loops', P2)),
          added: wordsIn('Java führt die Schleife aus', P1),
        },
      ],
    });
    assert.equal(report.pages[0]!.words, 8);
    assert.equal(report.pages[0]!.left, 4);
    assert.equal(report.summary.coverage, 0.5);
    assert.equal(report.summary.worstPage?.page, 1);
    assert.equal(report.untranslated.length, 1);
    const u = report.untranslated[0]!;
    assert.equal(u.blockId, 'b');
    assert.equal(u.reason, 'not_translated');
    assert.equal(u.expected, false);
    assert.deepEqual(u.box, P2);
    assert.equal(report.summary.untranslated, 1);
  });

  test('the letters of a script kept by policy (the `st` of 1st) are no words; the words beside it are', () => {
    const text = 'The 1st pass runs';
    const a = block('a', 0, 'paragraph', P1, text, {
      marks: [{ start: 5, end: 7, script: true, parts: [{ length: 2, scale: 0.7, rise: 0.4 }] }],
    });
    const report = buildFidelityReport({
      layout: layoutOf([a]),
      translations: new Map([['a', 'The 1st pass runs']]),
      targetLanguage: 'de',
      placements: [placement(a)],
      // The source is still drawn, its `st` with it.
      output: [page(wordsIn('The 1 st pass runs', P1))],
    });
    // The, pass, runs: `1st` is `1` and a script.
    assert.equal(report.pages[0]!.words, 3);
    assert.equal(report.pages[0]!.left, 3);
  });

  test('a set translation whose source words are still drawn is `still_visible`; a translation the renderer did not set is `not_set`', () => {
    const a = block('a', 0, 'paragraph', P1, 'Source words remain here');
    const b = block('b', 1, 'heading', P2, 'Results and discussion');
    const report = buildFidelityReport({
      layout: layoutOf([a, b]),
      translations: new Map([
        ['a', 'Quellwörter bleiben hier'],
        ['b', 'Ergebnisse und Diskussion'],
      ]),
      targetLanguage: 'de',
      placements: [placement(a)],
      output: [
        page([
          ...wordsIn('Source words remain here', P1),
          ...wordsIn('Results and discussion', P2),
        ]),
      ],
    });
    assert.deepEqual(
      report.untranslated.map((u) => [u.blockId, u.reason]),
      [
        ['a', 'still_visible'],
        ['b', 'not_set'],
      ],
    );
    assert.equal(report.summary.wordsLeft, 7);
  });

  test('code and formulas are listed as policy and left out of the coverage; figure text is counted', () => {
    const code = block('c', 0, 'code', P1, 'for (let item of list) print(item)');
    const fig = block('f', 1, 'figure', P2, 'Outer tree nested tree call');
    const para = block('p', 2, 'paragraph', [50, 300, 550, 340], 'Every trace has a guard');
    const report = buildFidelityReport({
      layout: layoutOf([code, fig, para]),
      translations: new Map([['p', 'Jede Spur hat einen Wächter']]),
      targetLanguage: 'de',
      placements: [placement(para)],
      output: [
        page([
          ...wordsIn('for let item of list print', P1),
          ...wordsIn('Outer tree nested tree call', P2),
        ]),
      ],
    });
    assert.equal(report.pages[0]!.words, 5 + 4, 'figure words and paragraph words, not code');
    assert.equal(report.pages[0]!.left, 5);
    const byId = new Map(report.untranslated.map((u) => [u.blockId, u]));
    assert.equal(byId.get('c')?.reason, 'code');
    assert.equal(byId.get('c')?.expected, true);
    assert.equal(byId.get('f')?.reason, 'figure_text');
    assert.equal(report.summary.excluded, 2);
    assert.equal(report.summary.untranslated, 0);
  });

  test('running heads left as they are are policy, out of the coverage; translated ones count', () => {
    const head = block('h', 0, 'header', [50, 20, 550, 30], 'Journal of Examples');
    const foot = block('f', 1, 'footer', [50, 770, 550, 780], 'Page footer text');
    const report = buildFidelityReport({
      layout: layoutOf([head, foot]),
      translations: new Map([['f', 'Seitenfußtext']]),
      targetLanguage: 'de',
      placements: [placement(foot)],
      output: [page(wordsIn('Journal of Examples', [50, 20, 550, 30]))],
    });
    assert.deepEqual(
      report.untranslated.map((u) => [u.blockId, u.reason, u.expected]),
      [['h', 'header_footer', true]],
    );
    assert.deepEqual(
      report.pages.map((p) => [p.words, p.left]),
      [[3, 0]],
    );
  });

  test('shrunk below 80% and overflowing blocks, missing glyphs and substituted fonts', () => {
    const a = block('a', 0, 'paragraph', P1, 'A long paragraph of text');
    const b = block('b', 1, 'paragraph', P2, 'Another paragraph of text');
    const c = block('c', 2, 'paragraph', [50, 300, 550, 340], 'A third paragraph here');
    const report = buildFidelityReport({
      layout: layoutOf([a, b, c]),
      translations: new Map([
        ['a', 'x'.repeat(10)],
        ['b', 'y'.repeat(10)],
        ['c', 'z ✓'],
      ]),
      targetLanguage: 'de',
      placements: [
        placement(a, { size: 7.9 }),
        placement(b, { size: 6, overflow: true }),
        placement(c, { size: 8, missing: '✓' }),
      ],
      output: [page([], [], 2)],
    });
    assert.deepEqual(
      report.fit.map((f) => [f.blockId, f.shrunk, f.overflow, f.scale]),
      [
        ['a', true, false, 0.79],
        ['b', true, true, 0.6],
      ],
    );
    assert.equal(report.summary.shrunk, 2);
    assert.equal(report.summary.overflowing, 1);
    assert.deepEqual(
      report.missingGlyphs.map((m) => [m.blockId, m.chars]),
      [['c', '✓']],
    );
    assert.equal(report.summary.missingGlyphs, 1);
    assert.equal(report.summary.notdef, 2);
    assert.deepEqual(report.fonts, [
      { source: 'NimbusRomNo9L-Regu', output: ['NotoSerif-Regular'], blocks: 3 },
    ]);
    assert.equal(report.summary.substitutedFonts, 1);
  });

  test('new text over kept text (two glyphs or more) and over a figure beyond its own box', () => {
    const a = block('a', 0, 'paragraph', P1, 'Short source');
    const fig = block('f', 1, 'figure', [300, 150, 550, 400], 'Chart');
    const b = block('b', 2, 'paragraph', [50, 150, 290, 170], 'Side note text');
    const report = buildFidelityReport({
      layout: layoutOf([a, fig, b]),
      translations: new Map([
        ['a', 'Kurze Quelle'],
        ['b', 'Randnotiz mit viel längerem Text'],
      ]),
      targetLanguage: 'de',
      placements: [
        // `a` is set over two glyphs the page kept (a label left in place).
        placement(a),
        // `b` widened to the right across the figure.
        placement(b, { lines: [[50, 150, 500, 160]] }),
      ],
      output: [
        page(
          [],
          [
            [60, 102, 66, 110],
            [67, 102, 73, 110],
            [590, 790, 596, 798],
          ],
        ),
      ],
    });
    assert.deepEqual(
      report.overlaps.map((o) => [o.blockId, o.with]),
      [
        ['a', 'text'],
        ['b', 'figure'],
      ],
    );
    assert.equal(report.summary.overlaps, 2);
    assert.equal(report.pages[0]!.overlaps, 2);
  });

  test('two translations set over each other overlap; lines that only touch do not', () => {
    const a = block('a', 0, 'paragraph', [50, 100, 300, 110], 'Left label');
    const b = block('b', 1, 'paragraph', [200, 100, 400, 110], 'Right label');
    const c = block('c', 2, 'paragraph', [50, 109, 300, 119], 'Below label');
    const report = buildFidelityReport({
      layout: layoutOf([a, b, c]),
      translations: new Map([
        ['a', 'Linke Beschriftung lang'],
        ['b', 'Rechte'],
        ['c', 'Darunter'],
      ]),
      targetLanguage: 'de',
      // `a` grew right into `b`; `c` sits one point into `a`'s line (leading, not a collision).
      placements: [
        placement(a, { lines: [[50, 100, 260, 110]] }),
        placement(b, { lines: [[200, 100, 240, 110]] }),
        placement(c, { lines: [[50, 109, 120, 119]] }),
      ],
      output: [page()],
    });
    assert.deepEqual(
      report.overlaps.map((o) => [o.blockId, o.with, o.region]),
      [['a', 'translation', [200, 100, 240, 110]]],
    );
  });

  test('blocks set at one angle (a skewed scan) are compared in their frame, not by their upright bounds', () => {
    // Two lines 2 pt apart, turned by 5 degrees: their upright bounds on the page are
    // about 30 pt tall and cross, the lines themselves do not.
    const angle = 5;
    const framed = (lines: BBox[]) => ({
      lines: lines.map((l) => frameBoxToPage(angle, l)),
      frame: { angle, lines },
    });
    const run = (second: BBox) => {
      const first: BBox = [100, 100, 400, 110];
      const a = block('a', 0, 'paragraph', frameBoxToPage(angle, first), 'Upper line');
      const b = block('b', 1, 'paragraph', frameBoxToPage(angle, second), 'Lower line');
      return buildFidelityReport({
        layout: layoutOf([a, b]),
        translations: new Map([
          ['a', 'Obere Zeile'],
          ['b', 'Untere Zeile'],
        ]),
        targetLanguage: 'de',
        placements: [placement(a, framed([first])), placement(b, framed([second]))],
        output: [page()],
      });
    };
    const apart = run([100, 112, 400, 122]);
    assert.deepEqual(apart.overlaps, []);
    // Upright bounds alone would have reported them.
    assert.ok(
      intersects(
        frameBoxToPage(angle, [100, 100, 400, 110]),
        frameBoxToPage(angle, [100, 112, 400, 122]),
      ),
    );
    const crossing = run([100, 104, 400, 114]);
    assert.deepEqual(
      crossing.overlaps.map((o) => [o.blockId, o.with]),
      [['a', 'translation']],
    );
    // The region is given on the page: the upright bounds of the crossing in the frame.
    assert.deepEqual(
      crossing.overlaps[0]!.region,
      frameBoxToPage(angle, [100, 104, 400, 110]).map((v) => Math.round(v * 100) / 100),
    );
  });

  test('one kept glyph under new text is not an overlap (a rule, a dot)', () => {
    const a = block('a', 0, 'paragraph', P1, 'Short source');
    const report = buildFidelityReport({
      layout: layoutOf([a]),
      translations: new Map([['a', 'Kurze Quelle']]),
      targetLanguage: 'de',
      placements: [placement(a)],
      output: [page([], [[60, 102, 66, 110]])],
    });
    assert.deepEqual(report.overlaps, []);
  });

  test('table cells are segments of their own; untranslated cells are listed with their cell index and box', () => {
    const cellA: BBox = [50, 100, 200, 120];
    const cellB: BBox = [200, 100, 400, 120];
    const t = block('t', 0, 'table', [50, 100, 400, 120], 'Total revenue Net income', {
      cells: [
        { row: 0, col: 0, bbox: cellA, text: 'Total revenue' },
        { row: 0, col: 1, bbox: cellB, text: 'Net income' },
      ],
    });
    const report = buildFidelityReport({
      layout: layoutOf([t]),
      translations: new Map([['t#0', 'Gesamtumsatz']]),
      targetLanguage: 'de',
      placements: [placement(t, { cell: 0, box: cellA })],
      output: [page(wordsIn('Net income', cellB))],
    });
    assert.equal(report.pages[0]!.words, 4);
    assert.equal(report.pages[0]!.left, 2);
    assert.deepEqual(
      report.untranslated.map((u) => [u.cell, u.reason, u.box]),
      [[1, 'not_translated', cellB]],
    );
  });

  test('without a rendered PDF the translated text is compared; a page-range output maps its pages', () => {
    const a = block('a', 0, 'paragraph', P1, 'First page words');
    const b = block('b', 0, 'paragraph', P1, 'Second page words');
    const layout = layoutOf([a], [b]);
    const text = buildFidelityReport({
      layout,
      translations: new Map([['a', 'Erste Seite']]),
      targetLanguage: 'de',
    });
    assert.equal(text.measuredOn, 'text');
    assert.deepEqual(
      text.pages.map((p) => [p.page, p.words, p.left]),
      [
        [1, 3, 0],
        [2, 3, 3],
      ],
    );
    assert.equal(text.summary.worstPage?.page, 2);

    // Only page 2 was rendered: it is the output's first page.
    const ranged = buildFidelityReport({
      layout: { ...layout, pages: [layout.pages[1]!] },
      translations: new Map([['b', 'Zweite Seite']]),
      targetLanguage: 'de',
      placements: [{ ...placement(b), page: 2 }],
      output: [page()],
      outputPageOf: (p) => (p === 2 ? 1 : undefined),
    });
    assert.deepEqual(
      ranged.pages.map((p) => [p.page, p.words, p.left]),
      [[2, 3, 0]],
    );
  });

  test('right-to-left words read back in drawing order still match their source', () => {
    const a = block('a', 0, 'paragraph', P1, 'فرم درخواست');
    const report = buildFidelityReport({
      layout: layoutOf([a]),
      translations: new Map(),
      targetLanguage: 'en',
      placements: [],
      // Drawn left to right, each word's letters come back reversed.
      output: [
        page([
          { text: 'تساوخرد', box: [60, 100, 100, 110] },
          { text: 'مرف', box: [110, 100, 140, 110] },
        ]),
      ],
    });
    assert.deepEqual(
      report.pages.map((p) => [p.words, p.left]),
      [[2, 2]],
    );
  });

  test('on a scanned page a block the renderer did not set keeps all its words (its text is pixels)', () => {
    const a = block('a', 0, 'paragraph', P1, 'Scanned words stay');
    const layout = layoutOf([a]);
    layout.pages[0]!.scanned = true;
    const report = buildFidelityReport({
      layout,
      translations: new Map(),
      targetLanguage: 'de',
      placements: [],
      output: [page()],
    });
    assert.equal(report.pages[0]!.left, 3);
    // Set, it was painted over: a text layer left under it is neither a word left nor an overlap.
    const set = buildFidelityReport({
      layout,
      translations: new Map([['a', 'Gescannte Wörter']]),
      targetLanguage: 'de',
      placements: [placement(a)],
      output: [
        page(wordsIn('Scanned words stay', P1), [
          [55, 100, 70, 110],
          [75, 100, 90, 110],
        ]),
      ],
    });
    assert.deepEqual([set.pages[0]!.left, set.overlaps.length], [0, 0]);
  });

  test('lists are cut at the limit and say so', () => {
    const blocks = Array.from({ length: FIDELITY_LIST_LIMIT + 5 }, (_, i) =>
      block(`b${i}`, i, 'paragraph', P1, 'Untouched words'),
    );
    const report = buildFidelityReport({
      layout: layoutOf(blocks),
      translations: new Map(),
      targetLanguage: 'de',
    });
    assert.equal(report.untranslated.length, FIDELITY_LIST_LIMIT);
    assert.deepEqual(report.truncated, ['untranslated']);
    assert.equal(report.summary.untranslated, FIDELITY_LIST_LIMIT + 5);
  });
});
