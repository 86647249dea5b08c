import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BBox, Block, Span } from '@docat/contracts';
import type { PathShape } from '../extract/page-reader.js';
import { fixedPitchFonts } from '../extract/page-reader.js';
import { layoutPage, readsAsListing } from './page-layout.js';
import { pageContent as page } from './page-content.test-support.js';
import { looksLikeCaption, looksLikeProse } from './classify.js';

const PROSE = [
  'The interpreter records a trace of the loop body and compiles it to native code.',
  'Each guard checks that the types seen while recording still hold at run time.',
  'When a guard fails the trace exits to the interpreter and recording may resume.',
  'Nested loops are recorded as nested trees so that inner loops are compiled once.',
];

/** One span per line; width from a fixed average advance of half an em. */
function span(
  text: string,
  x: number,
  y: number,
  opts: { size?: number; font?: string; advance?: number } = {},
): Span {
  const size = opts.size ?? 10;
  const w = text.length * size * (opts.advance ?? 0.5);
  return { text, bbox: [x, y, x + w, y + size * 1.2], font: opts.font ?? 'Times-Roman', size };
}

const curve = (bbox: BBox): PathShape => ({
  bbox,
  filled: false,
  stroked: true,
  rectilinear: false,
});
const rect = (bbox: BBox, filled = false): PathShape => ({
  bbox,
  filled,
  stroked: !filled,
  rectilinear: true,
});
/** A node of a diagram: a circle with two arrows leaving it. */
function node(x: number, y: number): PathShape[] {
  return [
    curve([x, y, x + 14, y + 14]),
    curve([x + 12, y + 12, x + 30, y + 30]),
    curve([x - 16, y + 12, x + 2, y + 30]),
  ];
}
const blockWith = (blocks: Block[], text: string): Block | undefined =>
  blocks.find((b) => b.text.includes(text));

describe('figures hold graphics, not prose', () => {
  // A diagram in the top half of the left column, with node labels; prose below it and in
  // the right column beside it; a caption under it.
  const shapes = [
    ...node(80, 80),
    ...node(140, 80),
    ...node(80, 120),
    ...node(140, 120),
    ...node(110, 160),
  ];
  const labels = [
    span('i1', 84, 82),
    span('t1', 144, 82),
    span('Exit Guard', 150, 150, { size: 7 }),
    span('(a)', 115, 200),
  ];
  const caption = span('Figure 7. Control flow graph of a nested loop.', 54, 225, { size: 9 });
  const left = PROSE.map((t, i) => span(t.slice(0, 48), 54, 300 + i * 12));
  const right = PROSE.map((t, i) => span(t.slice(0, 48), 320, 80 + i * 12));
  const heading = span('4.1 Nesting Algorithm', 54, 360, { font: 'Times-Bold', size: 10 });
  heading.bold = true;
  const laid = layoutPage(page([...labels, caption, ...left, heading, ...right], shapes));

  test('the figure is bounded by its drawing and the labels in it', () => {
    const figures = laid.blocks.filter((b) => b.type === 'figure');
    assert.equal(figures.length, 1);
    const fig = figures[0]!;
    assert.ok(fig.bbox[3] < 225, `figure ends above its caption: ${fig.bbox.join(',')}`);
    assert.ok(fig.bbox[2] < 320, `figure stays out of the right column: ${fig.bbox.join(',')}`);
    for (const label of ['i1', 't1', 'Exit Guard', '(a)'])
      assert.match(fig.text, new RegExp(label.replace(/[()]/g, '\\$&')));
  });
  test('its clear text labels are its cells, for translateFigureText', () => {
    const fig = laid.blocks.find((b) => b.type === 'figure')!;
    // Identifiers (i1, t1) and tags without a word are no text to translate.
    assert.deepEqual(
      fig.cells?.map((c) => c.text),
      ['Exit Guard'],
    );
  });
  test('prose beside and below the figure, and headings, are text blocks', () => {
    for (const t of [right[0]!.text, left[0]!.text])
      assert.equal(blockWith(laid.blocks, t)?.type, 'paragraph');
    assert.equal(blockWith(laid.blocks, '4.1 Nesting Algorithm')?.type, 'heading');
  });
  test('the caption is a block of its own', () => {
    const b = blockWith(laid.blocks, 'Figure 7.');
    assert.equal(b?.type, 'caption');
    assert.doesNotMatch(b!.text, /i1|Exit Guard/);
  });
  test('prose running across a drawing stays text', () => {
    const over = PROSE.map((t, i) => span(t.slice(0, 40), 80, 90 + i * 30));
    const out = layoutPage(page(over, shapes));
    for (const line of over) assert.notEqual(blockWith(out.blocks, line.text)?.type, 'figure');
  });
});

describe('diagrams drawn of straight lines', () => {
  // A flowchart: four outlined boxes, each with a short label, joined by straight rules with
  // arrowheads; a caption under it, prose below and in the right column.
  const rule = (bbox: BBox): PathShape => ({
    bbox,
    filled: true,
    stroked: false,
    rectilinear: true,
  });
  const arrow = (bbox: BBox): PathShape => ({
    bbox,
    filled: true,
    stroked: false,
    rectilinear: false,
  });
  const boxes: BBox[] = [
    [80, 100, 180, 124],
    [80, 150, 180, 174],
    [80, 200, 180, 224],
    [220, 150, 300, 174],
  ];
  const steps = ['Parse input', 'Check types', 'Compile trace', 'Run native'];
  const shapes = [
    ...boxes.map((b) => rect(b)),
    rule([129.7, 124, 130.3, 150]),
    arrow([127, 145, 133, 150]),
    rule([129.7, 174, 130.3, 200]),
    arrow([127, 195, 133, 200]),
    rule([180, 161.7, 220, 162.3]),
    arrow([215, 159, 220, 165]),
  ];
  const labels = steps.map((t, i) => span(t, boxes[i]![0] + 8, boxes[i]![1] + 6));
  const caption = span('Figure 2. The compilation pipeline of the tracing VM.', 54, 240, {
    size: 9,
  });
  const below = PROSE.map((t, i) => span(t.slice(0, 48), 54, 280 + i * 12));
  const right = PROSE.map((t, i) => span(t.slice(0, 44), 340, 100 + i * 12));
  const laid = layoutPage(page([...labels, caption, ...below, ...right], shapes));

  test('the boxes, their connectors and labels are one figure', () => {
    const figures = laid.blocks.filter((b) => b.type === 'figure');
    assert.equal(figures.length, 1);
    const fig = figures[0]!;
    for (const t of steps)
      assert.ok(fig.text.includes(t), `${t} is a label of the figure: ${fig.text}`);
    assert.ok(
      fig.bbox[0] >= 79 && fig.bbox[2] <= 301 && fig.bbox[1] >= 99 && fig.bbox[3] <= 225,
      `figure bounded by its drawing: ${fig.bbox.join(',')}`,
    );
  });
  test('the caption and the prose around it are text', () => {
    assert.equal(blockWith(laid.blocks, 'Figure 2.')?.type, 'caption');
    for (const t of [below[0]!.text, right[0]!.text])
      assert.equal(blockWith(laid.blocks, t)?.type, 'paragraph');
  });
  test('labelled cells that share their borders are a table or text, not a figure', () => {
    const cells: BBox[] = [0, 1, 2].flatMap((r) =>
      [0, 1].map((c) => [80 + c * 120, 100 + r * 24, 200 + c * 120, 124 + r * 24] as BBox),
    );
    const texts = ['Name', 'Value', 'Width', 'Height', 'Colour', 'Weight'];
    const out = layoutPage(
      page(
        texts.map((t, i) => span(t, cells[i]![0] + 8, cells[i]![1] + 6)),
        [...cells.map((b) => rect(b)), rule([320, 112, 360, 112.6])],
      ),
    );
    assert.equal(out.blocks.filter((b) => b.type === 'figure').length, 0);
    for (const t of texts) assert.notEqual(blockWith(out.blocks, t)?.type, 'figure');
  });
  test('boxes holding prose are frames, even when joined by rules', () => {
    const frames: BBox[] = [
      [60, 100, 560, 160],
      [60, 200, 560, 260],
    ];
    const spans = frames.flatMap((b) =>
      PROSE.slice(0, 2).map((t, i) => span(t, b[0] + 8, b[1] + 8 + i * 14)),
    );
    const out = layoutPage(
      page(spans, [...frames.map((b) => rect(b)), rule([309.7, 160, 310.3, 200])]),
    );
    assert.equal(out.blocks.filter((b) => b.type === 'figure').length, 0);
  });
});

describe('boxes, panels and ruled forms hold text', () => {
  test('a boxed abstract is read as paragraphs', () => {
    const lines = PROSE.map((t, i) => span(t, 70, 120 + i * 12));
    const box = rect([60, 110, 560, 175]);
    const shade = rect([60, 110, 560, 175], true);
    const out = layoutPage(page(lines, [box, shade, ...node(20, 400), ...node(60, 400)]));
    assert.equal(out.blocks.filter((b) => b.type === 'figure' && b.text !== '').length, 0);
    assert.equal(blockWith(out.blocks, 'The interpreter records')?.type, 'paragraph');
  });
  test('a form drawn with rules is a table, one cell per ruled box', () => {
    // Two columns (label | value) and four rows, drawn as thin filled rectangles; check
    // boxes (small filled squares) in the value column.
    const rules: PathShape[] = [];
    const ys = [100, 130, 160, 190, 220];
    for (const y of ys)
      rules.push({ bbox: [60, y, 500, y + 0.6], filled: true, stroked: false, rectilinear: true });
    for (const x of [60, 300, 500])
      rules.push({ bbox: [x, 100, x + 0.6, 220], filled: true, stroked: false, rectilinear: true });
    const boxes = [0, 1, 2].flatMap((r) => [
      rect([200, 108 + r * 30, 210, 118 + r * 30], true),
      rect([240, 108 + r * 30, 250, 118 + r * 30], true),
    ]);
    const texts = ['Standard name', 'National number', 'Mandatory', 'Issuer'];
    // Label and value sit close enough that, without the rule between them, they would read as one line.
    const spans = texts.flatMap((t, r) => [
      span(t, 305, 108 + r * 30),
      span(`value ${r}`, 270, 108 + r * 30),
    ]);
    const out = layoutPage(page(spans, [...rules, ...boxes]));
    assert.equal(out.blocks.filter((b) => b.type === 'figure').length, 0);
    const table = out.blocks.find((b) => b.type === 'table');
    assert.ok(table?.cells, 'a table');
    assert.deepEqual(
      table.cells.filter((c) => c.col === 1).map((c) => c.text),
      texts,
    );
    assert.deepEqual(
      table.cells.filter((c) => c.col === 0).map((c) => c.text),
      ['value 0', 'value 1', 'value 2', 'value 3'],
    );
  });
  test('labels on rounded chips are text, not a figure', () => {
    const texts = [
      'Jan 1, 2025 12:00 AM',
      'Ian Apino',
      'QA Test Master Document',
      'All Hands Spotlight',
      '125 Saint Georges Bay Road',
      '00:00:00',
    ];
    const spans = texts.map((t, i) => span(t, 80, 470 + i * 34));
    // A pill under each label (curved, filled) and a small icon beside most.
    const pills = texts.flatMap((t, i) => [
      {
        bbox: [74, 467 + i * 34, 86 + t.length * 5, 485 + i * 34] as BBox,
        filled: true,
        stroked: false,
        rectilinear: false,
      },
      {
        bbox: [66, 471 + i * 34, 74, 479 + i * 34] as BBox,
        filled: true,
        stroked: false,
        rectilinear: false,
      },
    ]);
    const out = layoutPage(page(spans, pills));
    assert.equal(out.blocks.filter((b) => b.type === 'figure').length, 0);
    assert.deepEqual(
      out.blocks.map((b) => b.text),
      texts,
    );
  });
  test('lines each drawn over its own soft shadow image are text, not a figure', () => {
    // A flyer's menu: centred lines, each over an image of its blurred shadow a little
    // larger than the line; the shadows of neighbouring lines overlap.
    const texts = [
      'Ensalada Primavera 9$',
      'Ensalada de verdes, con aderezo de yogurt de parchita, crocante',
      'de cereales y piña confitada.',
      'Carpaccio de Lomito 10$',
      'Finas láminas de lomito, mézclum, aderezo de pesto de albahaca,',
      'champiñones y láminas de parmesano.',
    ];
    const spans = texts.map((t, i) => span(t, 306 - t.length * 2.5, 300 + i * 14));
    const images = spans.map((s) => ({
      bbox: [s.bbox[0] - 6, s.bbox[1] - 8, s.bbox[2] + 6, s.bbox[3] + 8] as BBox,
      pixelWidth: 400,
      pixelHeight: 80,
    }));
    const out = layoutPage(page(spans, [], { images }));
    assert.equal(out.blocks.filter((b) => b.type === 'figure').length, 0);
    const text = out.blocks.map((b) => b.text).join(' ');
    for (const t of texts) assert.ok(text.includes(t), `${t} is in a text block`);
  });
  test('list items with shaded inline code, one under another, are a list, not a table', () => {
    // Shading behind the code words of each line: the boxes of neighbouring lines touch.
    const rows = [
      ['Pixmap.alpha', '– bool'],
      ['Pixmap.stride', '– integer containing the number of bytes of one line'],
      ['Pixmap.n', '– integer containing the number of bytes per pixel'],
      ['Colorspace.name', '– string naming the colorspace'],
    ];
    // The last items are code alone, their shading as wide as the lines above.
    const codeOnly = ['Pixmap.colorspace = Colorspace.name', 'Pixmap.n = Colorspace.nbytes - 1'];
    const spans: Span[] = [];
    const shapes: PathShape[] = [];
    [...rows, ...codeOnly.map((c) => [c, ''])].forEach(([code, rest], i) => {
      const top = 300 + i * 13;
      spans.push({ ...span('o', 107, top, { font: 'CourierNewPSMT' }) });
      const c = span(code!, 125, top + 1, { font: 'CourierNewPSMT', size: 8, advance: 0.6 });
      spans.push(c);
      shapes.push(rect([c.bbox[0], top - 1, c.bbox[2] + 1, top + 12], true));
      if (rest) spans.push(span(rest, c.bbox[2] + 3, top, { advance: 0.45 }));
    });
    const out = layoutPage(page(spans, shapes));
    assert.equal(out.blocks.filter((b) => b.type === 'table').length, 0);
    const items = out.blocks.filter((b) => b.type === 'list_item');
    assert.deepEqual(
      items.map((b) => b.text),
      rows.map(([code, rest]) => `◦ ${code} ${rest}`),
    );
  });
  test('the part of a line running on past a ruled grid stays text', () => {
    // A two-by-two grid; the first row's right cell holds the start of a line that runs on
    // past the grid's right edge ("do not | check box 6a").
    const rules: PathShape[] = [];
    for (const y of [100, 120, 140])
      rules.push({ bbox: [60, y, 300, y + 0.6], filled: true, stroked: false, rectilinear: true });
    for (const x of [60, 150, 300])
      rules.push({ bbox: [x, 100, x + 0.6, 140], filled: true, stroked: false, rectilinear: true });
    const spans = [
      span('Yourself', 65, 104),
      span('If someone can claim you, do not', 155, 104),
      span('check box 6a', 318, 104),
      span('Spouse', 65, 124),
      span('Dependents', 155, 124),
    ];
    const out = layoutPage(page(spans, rules));
    const table = out.blocks.find((b) => b.type === 'table');
    assert.ok(table, 'a table');
    assert.ok(!table.text.includes('check box'));
    assert.equal(blockWith(out.blocks, 'check box 6a')?.text, 'check box 6a');
  });
  test('a frame with one cell is a box, not a table', () => {
    const lines = PROSE.map((t, i) => span(t, 70, 120 + i * 12));
    const out = layoutPage(page(lines, [rect([60, 110, 560, 175])]));
    assert.equal(out.blocks.filter((b) => b.type === 'table').length, 0);
  });
});

describe('form headers and rows', () => {
  test('a big form number and the small print beside it are separate blocks; a superscript stays in its line', () => {
    const big = { ...span('1040', 50, 30, { size: 24 }), bbox: [50, 30, 100, 58.7] as BBox };
    const small = {
      ...span('Department of the Treasury', 108, 38, { size: 6 }),
      bbox: [108, 38, 190, 45] as BBox,
    };
    const title = {
      ...span('Individual Income Tax Return', 108, 45, { size: 12 }),
      bbox: [108, 45, 290, 59] as BBox,
    };
    const body = span('The trace is recorded', 54, 200);
    const sup = {
      ...span('2', body.bbox[2] + 1, 198, { size: 7 }),
      bbox: [body.bbox[2] + 1, 198, body.bbox[2] + 5, 206] as BBox,
    };
    const rest = span('and compiled to native code.', sup.bbox[2] + 3, 200);
    const out = layoutPage(page([big, small, title, body, sup, rest]));
    const texts = out.blocks.map((b) => b.text);
    assert.ok(texts.includes('1040'), texts.join(' | '));
    assert.ok(texts.includes('Department of the Treasury'), texts.join(' | '));
    assert.ok(texts.includes('Individual Income Tax Return'), texts.join(' | '));
    assert.ok(
      texts.includes('The trace is recorded 2 and compiled to native code.'),
      texts.join(' | '),
    );
  });
  test("OCR'd words keep their line whatever the height OCR gave them", () => {
    const word = {
      ...span('Quarterly', 54, 100, { font: 'ocr' }),
      bbox: [54, 100, 99, 112] as BBox,
    };
    const tall = {
      ...span('report', 103, 96, { font: 'ocr', size: 30 }),
      bbox: [103, 96, 133, 126] as BBox,
    };
    const out = layoutPage(page([word, tall]));
    assert.deepEqual(
      out.blocks.map((b) => b.text),
      ['Quarterly report'],
    );
  });
  test('labels on one row with a table between them are separate blocks', () => {
    const rules: PathShape[] = [];
    for (const y of [100, 120, 140])
      rules.push({ bbox: [200, y, 400, y + 0.6], filled: true, stroked: false, rectilinear: true });
    for (const x of [200, 300, 400])
      rules.push({ bbox: [x, 100, x + 0.6, 140], filled: true, stroked: false, rectilinear: true });
    const cells = ['Check here', 'if you want', 'Your share', 'of the fund'].map((t, i) =>
      span(t, 205 + (i % 2) * 100, 104 + Math.floor(i / 2) * 20),
    );
    const left = span('Election Campaign', 54, 104);
    const right = span('Spouse', 450, 104);
    // A line across the page right above the row: no white space to cut the region at.
    const across = span(
      'Checking a box below will not change your tax or refund, and it is only done once.',
      54,
      88,
    );
    const out = layoutPage(page([across, left, right, ...cells], rules));
    assert.ok(out.blocks.some((b) => b.type === 'table'));
    const texts = out.blocks.map((b) => b.text);
    assert.ok(texts.includes('Election Campaign') && texts.includes('Spouse'), texts.join(' | '));
  });
});

describe('captions', () => {
  test('are recognised in many languages and styles', () => {
    for (const t of [
      'Figure 3-5 The network layout',
      'Figure 5. A tree with two traces',
      'Table 1. Results',
      'Fig. 2: Overview',
      'Abbildung 4: Aufbau',
      'Tabla 2. Resultados',
      'Рис. 3. Схема',
      '图1 系统结构',
      '[표 1] 감염병예방법 비교',
      '<그림 2> 추이',
      'جدول ۲: نتایج',
    ]) {
      assert.ok(looksLikeCaption(t), t);
    }
  });
  test('a sentence that starts with a figure reference is not a caption', () => {
    for (const t of [
      'Table 1 shows the results.',
      'Figures 2 and 3 compare them.',
      'Table of contents',
      'Tablet computers are common.',
    ]) {
      assert.ok(!looksLikeCaption(t), t);
    }
  });
});

describe('prose or label', () => {
  test('sentences are prose, labels are not', () => {
    assert.ok(looksLikeProse('The interpreter records a trace of the loop body.'));
    assert.ok(
      looksLikeProse('코로나-19 관련 보험약관상 재해보험금 지급문제 및 개선과제에 대한 검토'),
    );
    assert.ok(!looksLikeProse('Exit Guard'));
    assert.ok(!looksLikeProse('Interpreter records trace'));
  });
});

describe('code only when it looks like code', () => {
  test('fixed pitch is measured from advances, not from the font name or flag', () => {
    const mono = ['int main(void) {', 'return 0;', 'printf("hello");', 'while (i < n) i++;'].map(
      (text) => ({ text, advance: text.length * 0.6 }),
    );
    const widths: Record<string, number> = { i: 0.28, l: 0.28, m: 0.83, w: 0.72, ' ': 0.25 };
    const prop = [
      'illicit lilies',
      'mammoth women',
      'the quick brown fox',
      'jumps over the lazy dog',
    ].map((text) => ({
      text,
      advance: [...text].reduce((n, c) => n + (widths[c] ?? 0.5), 0),
    }));
    const found = fixedPitchFonts(
      new Map([
        ['SFTT1000', mono],
        ['SFRM1000', prop],
        ['Digits', [{ text: '1234', advance: 2 }]],
      ]),
    );
    assert.deepEqual([...found], ['SFTT1000']);
  });
  test('fixed-pitch sentences are prose; syntax and indentation make a listing', () => {
    assert.equal(readsAsListing(PROSE, [54, 54, 54, 54], 10), false);
    assert.equal(
      readsAsListing(['for (var i = 0; i < n; ++i) {', '  total += a[i];', '}'], [54, 64, 54], 10),
      true,
    );
    assert.equal(readsAsListing(['mov eax, ebx', 'jmp epilog', 'ret'], [54, 54, 54], 10), true);
  });
  test('prose in a proportional font is never code, whatever pdf.js says of its pitch', () => {
    const lines = PROSE.map((t, i) => span(t, 54, 100 + i * 12, { font: 'SFRM1000' }));
    const out = layoutPage(page(lines, [], { monospaceFonts: new Set() }));
    assert.deepEqual(
      out.blocks.map((b) => b.type),
      ['paragraph'],
    );
  });
  test('a listing in a fixed-pitch font is code, prose beside it is not', () => {
    const code = ['for (var i = 2; i < 100; ++i) {', '  if (!primes[i])', '    continue;', '}'].map(
      (t, i) =>
        span(t, 54 + (t.length - t.trimStart().length) * 6, 100 + i * 12, {
          font: 'SFTT1000',
          advance: 0.6,
        }),
    );
    for (const s of code) s.text = s.text.trim();
    const prose = PROSE.map((t, i) => span(t, 54, 200 + i * 12, { font: 'SFRM1000' }));
    const out = layoutPage(
      page([...code, ...prose], [], { monospaceFonts: new Set(['SFTT1000']) }),
    );
    assert.equal(out.blocks[0]?.type, 'code');
    assert.ok(out.blocks.slice(1).every((b) => b.type === 'paragraph'));
  });
});

test('the closing words of a letter over the picture of its signature stay text', () => {
  // A magazine's editorial: the letter's last lines, "Herzlich Ihr" at the text's left
  // edge and spacing, and the scanned signature drawn from that line's top down.
  const body = PROSE.map((t, i) => span(t, 45, 640 + i * 11.5, { size: 9 }));
  const closing = span('Herzlich Ihr', 45, 640 + PROSE.length * 11.5, { size: 9 });
  const signature = {
    bbox: [40, closing.bbox[1], 176, closing.bbox[1] + 46] as BBox,
    pixelWidth: 400,
    pixelHeight: 140,
  };
  const out = layoutPage(page([...body, closing], [], { images: [signature] }));
  const fig = out.blocks.find((b) => b.type === 'figure');
  assert.ok(fig, 'the signature is a figure');
  assert.ok(!fig.text.includes('Herzlich'), JSON.stringify(fig.text));
  assert.ok(out.blocks.some((b) => b.type !== 'figure' && b.text.includes('Herzlich Ihr')));
});

describe('a table of contents', () => {
  const entries = [
    ['1 Introduction', '3'],
    ['2 Tracing and trace trees', '12'],
    ['2.1 Nested loops and type-unstable traces', 'iv'],
    ['Capital gains and (losses)', '12, 19, 29'],
  ];
  // Each entry one glyph run, title, leader and number together, the number ending at the margin.
  const spans = entries.map(([title, page], i) => {
    const text = `${title} . . . . . . . . ${page}`;
    return { ...span(text, 72, 100 + i * 14), bbox: [72, 100 + i * 14, 540, 112 + i * 14] as BBox };
  });
  const out = layoutPage(page(spans));
  test('keeps each entry apart, its title a block of its own', () => {
    const titles = out.blocks.filter((b) => !b.text.startsWith('.')).map((b) => b.text);
    assert.deepEqual(
      titles,
      entries.map(([t]) => t),
    );
  });
  test('runs of dots set with double spaces that end in no page number are laid out at once', () => {
    // Each space could be matched on either side of a dot: the leader pattern once tried every
    // split (seconds for 14 dots, minutes for a contents page merged into one line).
    const text = `1.1 Programming languages ${'.  '.repeat(18)}3 1.2 Input and output ${'.  '.repeat(18)}x`;
    const started = performance.now();
    const laid = layoutPage(page([{ ...span(text, 72, 100), bbox: [72, 100, 540, 112] as BBox }]));
    assert.ok(
      performance.now() - started < 1_000,
      `layout took ${Math.round(performance.now() - started)} ms`,
    );
    assert.match(laid.blocks.map((b) => b.text).join(' '), /Input and output/);
  });
  test('keeps leaders and page numbers out of the titles, right-aligned where they were', () => {
    const leaders = out.blocks.filter((b) => b.text.startsWith('.'));
    assert.deepEqual(
      leaders.map((b) => b.text.replace(/[.\s]+/gu, ' ').trim()),
      entries.map(([, p]) => p!.replace(/\s+/gu, ' ')),
    );
    for (const l of leaders) assert.equal(l.bbox[2], 540);
    for (const t of out.blocks.filter((b) => !b.text.startsWith('.'))) {
      const leader = leaders.find((l) => Math.abs(l.bbox[1] - t.bbox[1]) < 1)!;
      assert.ok(t.bbox[2] <= leader.bbox[0] + 0.01, `${t.text} ends where its leader starts`);
    }
  });
  test('an index set in columns with leaders is not a table', () => {
    const cols = [72, 320].flatMap((x) =>
      entries.map(([title, p], i) => ({
        ...span(`${title} . . . . ${p}`, x, 100 + i * 14),
        bbox: [x, 100 + i * 14, x + 220, 112 + i * 14] as BBox,
      })),
    );
    const idx = layoutPage(page(cols));
    assert.equal(idx.blocks.filter((b) => b.type === 'table').length, 0);
  });
  test('a contents page whose page numbers stand apart from the leaders is not a table', () => {
    // As Sphinx and LaTeX set it: the section number, the title with its dots, and the page
    // number flush right, each a glyph run of its own, under a large title.
    const titles = [
      'Compiling from the command line',
      'Compiling with distutils',
      'Integrating multiple modules',
      'Compiling with pyximport',
      'Compiling with Sage',
      'Compiler directives',
    ];
    const spans: Span[] = [span('Contents', 480, 60, { size: 14 })];
    titles.forEach((t, i) => {
      const y = 120 + i * 12;
      spans.push(span(`1.${i + 1}`, 87, y));
      spans.push({ ...span(`${t} . . . . . . . . . . . .`, 113, y), bbox: [113, y, 518, y + 12] });
      spans.push(span(String(3 + Math.floor(i / 2)), 535, y));
    });
    const out = layoutPage(page(spans));
    assert.equal(out.blocks.filter((b) => b.type === 'table').length, 0);
    for (const t of titles)
      assert.ok(
        out.blocks.some((b) => b.text.startsWith(t)),
        `${t} starts a block of its own`,
      );
    assert.equal(out.blocks.find((b) => b.text === 'Contents')?.type, 'heading');
  });
  test('a contents page with leaders drawn as rules is not a table', () => {
    // Titles on the left, page numbers rising down the right edge, a dashed rule under each.
    const titles = ['Results', '1 Item information', '2 Data filtering', '3 Tags connection'];
    const more = ['Methods', '1 Diversity analysis', '2 Function prediction', 'References'];
    const spans: Span[] = [];
    const rules: PathShape[] = [];
    [...titles, ...more].forEach((t, i) => {
      const y = 120 + i * 15;
      spans.push(span(t, /^\d/u.test(t) ? 102 : 90, y, { size: 8 }));
      const n = String(3 + i * 2);
      spans.push(span(n, 503 - n.length * 4, y, { size: 8 }));
      rules.push({
        bbox: [90, y + 12, 503, y + 12.5],
        filled: false,
        stroked: true,
        rectilinear: true,
      });
    });
    const out = layoutPage(page(spans, rules));
    assert.equal(out.blocks.filter((b) => b.type === 'table').length, 0);
    const texts = out.blocks.map((b) => b.text);
    for (const t of [...titles, ...more])
      assert.ok(texts.includes(t), `${t} is a block of its own`);
  });
});

describe('cost', () => {
  test('a page of thousands of separate marks is laid out quickly', () => {
    const marks: PathShape[] = [];
    // Pairs of dots 16 pt apart: too far for one cluster, near enough to be joined pairwise.
    for (let i = 0; i < 1500; i++) {
      const x = 20 + (i % 36) * 16;
      const y = 20 + Math.floor(i / 36) * 16;
      marks.push(curve([x, y, x + 3, y + 3]), curve([x + 3.5, y, x + 6.5, y + 3]));
    }
    const t0 = performance.now();
    layoutPage(page([span('A scatter plot of many points', 54, 770)], marks));
    assert.ok(performance.now() - t0 < 5000, `${Math.round(performance.now() - t0)} ms`);
  });
});
