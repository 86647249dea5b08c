import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BBox, LayoutDocument } from '@docat/contracts';
import {
  measureCoverage,
  scriptWords,
  type PopplerLine,
  type PopplerPage,
} from './poppler-coverage.test-support.js';

/** A line of words as pdftotext boxes them: each word `[text, x0, x1]` at the line's height, or raised. */
function line(words: [string, number, number, 'raised'?][]): PopplerLine {
  const out = words.map(([text, x0, x1, raised]) => ({
    text,
    // Body words from the font's ascent to its descent (8 pt high); a script 5.3 pt high, its foot 4.4 pt up.
    box: (raised ? [x0, 303, x1, 308.3] : [x0, 304.7, x1, 312.7]) as BBox,
  }));
  return { box: [0, 303, 400, 312.7], words: out };
}

const page = (lines: PopplerLine[]): PopplerPage => ({ width: 612, height: 792, lines });

/** A layout page with one paragraph over the line, its runs marked as `math` or `script`. */
function layout(text: string, runs: [string, 'math' | 'script'][]): LayoutDocument {
  const marks = runs
    .map(([run, kind]) => ({
      start: text.indexOf(run),
      end: text.indexOf(run) + run.length,
      [kind]: true,
    }))
    .sort((a, b) => a.start - b.start);
  return {
    pages: [
      {
        number: 1,
        width: 612,
        height: 792,
        blocks: [
          {
            id: 'b',
            type: 'paragraph',
            order: 0,
            bbox: [0, 300, 400, 315],
            lines: [],
            text,
            marks,
          },
        ],
      },
    ],
  } as unknown as LayoutDocument;
}

describe('scripts in poppler boxes', () => {
  const source = page([
    line([
      ['strategy', 0, 40],
      ['yields', 45, 70],
      ['O(n', 75, 90],
      ['k', 90, 94, 'raised'],
      [')', 94, 97],
      ['traces,', 100, 130],
      ['the', 135, 150],
      ['1', 150, 153, 'raised'],
      ['st', 153, 160, 'raised'],
      ['pass.', 165, 190],
    ]),
  ]);
  const text = 'strategy yields O(nk) traces, the 1st pass.';
  const doc = layout(text, [
    ['O(nk', 'math'],
    ['st', 'script'],
  ]);

  test('a raised exponent or ordinal is a script; the words of the line are not', () => {
    assert.deepEqual(
      [...scriptWords(source.lines[0]!)].map((w) => w.text),
      ['k', '1', 'st'],
    );
  });

  test('the base of a math run with its scripts and the scripts are left out; prose still counts', () => {
    const translated = page([
      line([
        ['šťřàťéğý', 0, 40],
        ['ýîéľðš', 45, 70],
        ['O(n', 75, 90],
        ['k', 90, 94, 'raised'],
        [')', 94, 97],
        ['ťřàçéš,', 100, 130],
        ['ťhé', 135, 150],
        ['1', 150, 153, 'raised'],
        ['st', 153, 160, 'raised'],
        ['pàšš.', 165, 190],
      ]),
    ]);
    const done = measureCoverage([source], [translated], doc);
    // strategy, yields, traces, the, pass: `O(n` is mathematics, `st` a script.
    assert.equal(done.words, 5);
    assert.equal(done.excluded, 2);
    assert.equal(done.left, 0);
    // The same page untranslated: every prose word is still there and counts as left.
    const untouched = measureCoverage([source], [source], doc);
    assert.equal(untouched.left, 5);
    assert.deepEqual(untouched.pages[0]!.leftWords, [
      'strategy',
      'yields',
      'traces',
      'the',
      'pass',
    ]);
  });

  test('without the layout saying so, the base word of a script is prose', () => {
    const plain = layout(text, []);
    const untouched = measureCoverage([source], [source], plain);
    assert.ok(
      untouched.pages[0]!.leftWords.includes('O(n'),
      untouched.pages[0]!.leftWords.join(' '),
    );
  });
});
