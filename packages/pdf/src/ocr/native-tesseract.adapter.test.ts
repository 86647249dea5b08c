import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHocr } from './native-tesseract.adapter.js';
import { looksTurned, tidyLines, wordsToSpans } from './ocr-adapter.js';

const hocr = `<div class='ocr_page' id='page_1' title='image "-"; bbox 0 0 1700 2200; ppageno 0'>
   <div class='ocr_carea' id='block_1_1' title="bbox 100 200 500 270">
    <p class='ocr_par' id='par_1_1' lang='eng' title="bbox 100 200 500 270">
     <span class='ocr_line' id='line_1_1' title="bbox 100 200 500 230; baseline -0.035 -7; x_size 38; x_descenders 8; x_ascenders 9">
      <span class='ocrx_word' id='word_1_1' title='bbox 100 200 220 230; x_wconf 96'>Trace-based</span>
      <span class='ocrx_word' id='word_1_2' title='bbox 230 200 300 230; x_wconf 95'>R&amp;D&#39;s</span>
     </span>
    </p>
   </div>
   <div class='ocr_carea' id='block_1_2' title="bbox 100 240 500 270">
    <p class='ocr_par' id='par_1_2' lang='eng' title="bbox 100 240 500 270">
     <span class='ocr_caption' id='line_1_2' title="bbox 100 240 190 268; baseline 0 -5; x_size 36; x_descenders 7; x_ascenders 9">
      <span class='ocrx_word' id='word_1_3' title='bbox 100 240 190 268; x_wconf 91'><strong>Type</strong></span>
      <span class='ocrx_word' id='word_1_4' title='bbox 200 240 210 268; x_wconf 30'> </span>
     </span>
    </p>
   </div>
  </div>`;

test('tesseract hOCR: words grouped into lines with their row height and slope', () => {
  const lines = parseHocr(hocr);
  assert.deepEqual(
    lines.map((l) => l.words.map((w) => w.text)),
    [['Trace-based', "R&D's"], ['Type']],
  );
  assert.deepEqual(lines[0]!.words[0], {
    text: 'Trace-based',
    x0: 100,
    y0: 200,
    x1: 220,
    y1: 230,
    confidence: 96,
  });
  assert.deepEqual(
    lines.map((l) => [l.size, l.slope]),
    [
      [38, -0.035],
      [36, 0],
    ],
  );
});

test('a line is as large as the engine measured its row, not as its tallest word', () => {
  const word = (text: string, x0: number, h: number) => ({
    text,
    x0,
    y0: 100,
    x1: x0 + 80,
    y1: 100 + h,
    confidence: 90,
  });
  // A heading with neither descenders nor parentheses: its words are shorter than its row.
  const heading = { words: [word('Introduction', 0, 33)], size: 42 };
  assert.deepEqual(
    wordsToSpans([heading], 300 / 72).map((s) => s.size),
    [10.08],
  );
  // An engine's row height far off its words' is held within reason of them.
  assert.deepEqual(
    wordsToSpans([{ words: [word('a', 0, 20)], size: 60 }], 1).map((s) => s.size),
    [28],
  );
  assert.deepEqual(
    wordsToSpans([{ words: [word('a', 0, 20)] }], 1).map((s) => s.size),
    [20],
  );
});

test('a reading looks turned when its words stand upright or its confidence is low', () => {
  const word = (text: string, w: number, h: number, confidence = 90) => ({
    text,
    x0: 0,
    y0: 0,
    x1: w,
    y1: h,
    confidence,
  });
  const upright = [
    { words: ['alpha', 'beta', 'gamma', 'delta', 'epsilon'].map((t) => word(t, 80, 20)) },
  ];
  assert.equal(looksTurned(upright), false);
  assert.equal(
    looksTurned([
      { words: ['alpha', 'beta', 'gamma', 'delta', 'epsilon'].map((t) => word(t, 20, 80)) },
    ]),
    true,
  );
  assert.equal(looksTurned([{ words: ['alpha', 'beta'].map((t) => word(t, 80, 20, 30)) }]), true);
  assert.equal(looksTurned([]), true);
});

test('a reading is tidied: words read across upright text and bars go, bullets read as symbols are bullets', () => {
  const word = (text: string, x0: number, y0: number, w: number, h: number, confidence = 90) => ({
    text,
    x0,
    y0,
    x1: x0 + w,
    y1: y0 + h,
    confidence,
  });
  const lines = tidyLines([
    // `Sprouts` printed up the margin, read across: a tall narrow word.
    { words: [word('his', 100, 100, 54, 32), word('sjnolds', 300, 20, 77, 277, 27)], size: 42 },
    { words: [word('|', 280, 200, 10, 80)], size: 42 },
    { words: [word('¢', 100, 300, 14, 13), word('Operation', 130, 290, 120, 33)], size: 33 },
    { words: [word('©', 100, 400, 18, 19), word('Ultra-fast', 130, 390, 120, 33)], size: 45 },
    // A copyright sign as large as the text is a word of it.
    { words: [word('©', 100, 500, 30, 32), word('2009', 140, 500, 60, 32)], size: 42 },
  ]);
  assert.deepEqual(
    lines.map((l) => l.words.map((w) => w.text)),
    [['his'], ['•', 'Operation'], ['•', 'Ultra-fast'], ['©', '2009']],
  );
});

test('a line read twice over itself keeps the more confident reading', () => {
  const word = (
    text: string,
    x0: number,
    y0: number,
    x1: number,
    y1: number,
    confidence: number,
  ) => ({
    text,
    x0,
    y0,
    x1,
    y1,
    confidence,
  });
  // What tesseract gave for TraceMonkey's `{mohammad.r.haghighat}@intel.com` on the corpus scan.
  const lines = tidyLines([
    { words: [word('Intel', 756, 647, 800, 677, 96), word('Corporation', 808, 641, 936, 677, 77)] },
    {
      words: [
        word('mohammad', 651, 684, 742, 695, 12),
        word('.r.haghighat', 761, 681, 911, 695, 12),
        word(';@intel.com', 940, 681, 1056, 695, 88),
      ],
    },
    {
      words: [
        word('hammad.r', 677, 680, 755, 695, 26),
        word('.haghighat}@intel', 795, 680, 1002, 701, 26),
      ],
    },
  ]);
  assert.deepEqual(
    lines.map((l) => l.words.map((w) => w.text)),
    [
      ['Intel', 'Corporation'],
      ['mohammad', '.r.haghighat', ';@intel.com'],
    ],
  );
});
