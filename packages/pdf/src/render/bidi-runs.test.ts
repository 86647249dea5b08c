import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as bidiModule from 'bidi-js';
import type { Bidi } from 'bidi-js';
import { FontLibrary } from '../fonts/font-library.js';
import { mirrored, visualRuns } from './bidi-runs.js';
import { TextShaper, type ShapedLine } from './text-shaper.js';

/**
 * The visual runs of `text` (left to right) as strings, a styled stretch marked with `*`
 * around it: the stretches are the logical runs in, each character's class their index.
 */
function visual(text: string, base: 'ltr' | 'rtl', bold: [number, number][] = []): string[] {
  const classAt = (i: number): number => bold.findIndex(([from, to]) => i >= from && i < to);
  return visualRuns(text, base, classAt).map((r) => {
    const part = text.slice(r.start, r.end);
    const shown = r.level % 2 === 1 ? [...part].reverse().join('') : part;
    return classAt(r.start) >= 0 ? `*${shown}*` : shown;
  });
}

/** The stretch `[start, end)` of `text` that `words` covers (its first occurrence). */
function at(text: string, words: string): [number, number] {
  const start = text.indexOf(words);
  assert.ok(start >= 0, `${words} in ${text}`);
  return [start, start + words.length];
}

test('Arabic: a bold word, a Latin name across a style change and a number keep their visual places', () => {
  // "Ahmad said that John Smith sold 250 new books yesterday", "Smith" and "sold" bold.
  const text = 'قال أحمد إن John Smith باع 250 كتابا جديدا أمس';
  const runs = visual(text, 'rtl', [at(text, 'Smith باع')]);
  assert.deepEqual(runs, [
    'سمأ اديدج اباتك ',
    '250',
    ' ',
    // The space after the name sits between it and Arabic: it takes the line's direction.
    '*عاب *',
    'John ',
    '*Smith*',
    ' نإ دمحأ لاق',
  ]);
  // Read right to left, the line is the sentence: the name still reads "John Smith".
  assert.equal(runs.join('').replace(/\*/gu, ''), 'سمأ اديدج اباتك 250 عاب John Smith نإ دمحأ لاق');
});

test('Hebrew: a bold word, a Latin name and a number with a decimal point', () => {
  // "The version 2.5 of Docat Pro came out today", "Docat" bold.
  const text = 'הגרסה 2.5 של Docat Pro יצאה היום';
  const runs = visual(text, 'rtl', [at(text, 'Docat'), at(text, 'יצאה')]);
  assert.deepEqual(runs, ['םויה ', '*האצי*', ' ', '*Docat*', ' Pro', ' לש ', '2.5', ' הסרגה']);
});

test('a left-to-right line with a right-to-left name inside reverses only the name', () => {
  const text = 'The shop שלום עולם opened in 2024';
  assert.deepEqual(visual(text, 'ltr', [at(text, 'עולם')]), [
    'The shop ',
    '*םלוע*',
    ' םולש',
    ' opened in 2024',
  ]);
});

test('a style change alone does not reorder a single-direction line', () => {
  const text = 'שלום עולם יפה';
  assert.deepEqual(visual(text, 'rtl', [at(text, 'עולם')]), ['הפי ', '*םלוע*', ' םולש']);
  const latin = 'plain bold plain';
  assert.deepEqual(visual(latin, 'ltr', [at(latin, 'bold')]), ['plain ', '*bold*', ' plain']);
  assert.deepEqual(visualRuns('', 'rtl'), []);
});

test('brackets mirror in pairs, and mirroring twice gives the text back', () => {
  assert.equal(mirrored('(أ) [ب] «ج» <د>'), ')أ( ]ب[ »ج« >د<');
  assert.equal(mirrored(mirrored('a (b) [c] {d}')), 'a (b) [c] {d}');
});

const library = new FontLibrary();
const regular = { design: 'sans', bold: false, italic: false } as const;
const bold = { design: 'sans', bold: true, italic: false } as const;

/** A line's runs as [text as drawn left to right, face key, colour, link]. */
function drawn(line: ShapedLine): [string, string, string, string][] {
  return line.runs.map((r) => [
    r.glyphs.map((g) => g.text).join(''),
    r.face.key,
    r.color ? r.color.join(',') : '',
    r.href ?? '',
  ]);
}

for (const [language, text, styled, expected] of [
  [
    'ar',
    'قال أحمد إن John Smith باع 250 كتابا (جديدا) أمس',
    'Smith باع',
    [
      // The glyphs' texts are the characters they stand for; the brackets' glyphs are mirrored.
      ['سمأ )اديدج( اباتك ', 'sans-arabic', '', ''],
      ['250', 'sans-arabic', '', ''],
      [' ', 'sans-arabic', '', ''],
      ['عاب', 'sans-arabic-bold', '1,0,0', 'https://example.com/'],
      [' ', 'sans-bold', '1,0,0', 'https://example.com/'],
      ['John ', 'sans', '', ''],
      ['Smith', 'sans-bold', '1,0,0', 'https://example.com/'],
      [' نإ دمحأ لاق', 'sans-arabic', '', ''],
    ],
  ],
  [
    'he',
    'הגרסה 2.5 של Docat Pro יצאה היום',
    'Docat',
    [
      ['םויה האצי', 'sans-hebrew', '', ''],
      [' ', 'sans', '', ''],
      ['Docat', 'sans-bold', '1,0,0', 'https://example.com/'],
      [' ', 'sans-hebrew', '', ''],
      ['Pro', 'sans', '', ''],
      [' לש', 'sans-hebrew', '', ''],
      [' ', 'sans', '', ''],
      ['2.5', 'sans', '', ''],
      [' הסרגה', 'sans-hebrew', '', ''],
    ],
  ],
] as const) {
  test(`${language}: a styled line is shaped in visual order, each run in its stretch's face, colour and link`, () => {
    const base = new TextShaper(library, language, regular, 'rtl');
    const strong = new TextShaper(library, language, bold, 'rtl');
    const [start, end] = at(text, styled);
    const line = base.shapeLine(text, [
      { start, end, shaper: strong, color: [1, 0, 0], href: 'https://example.com/', link: 0 },
    ]);
    assert.deepEqual(drawn(line), expected);
    assert.ok(
      Math.abs(line.width - line.runs.reduce((w, r) => w + r.width, 0)) < 1e-9,
      'the line is as wide as its runs',
    );
    // Unstyled, the same line has the same order (only the faces differ).
    const unstyled = base.shapeLine(text);
    assert.equal(
      unstyled.runs.map((r) => r.glyphs.map((g) => g.text).join('')).join(''),
      line.runs.map((r) => r.glyphs.map((g) => g.text).join('')).join(''),
    );
  });
}

test('a bracket in a right-to-left run is drawn with its mirrored glyph', () => {
  const base = new TextShaper(library, 'he', regular, 'rtl');
  const ltr = new TextShaper(library, 'en', regular, 'ltr');
  const glyphOf = (s: TextShaper, text: string, ch: string): number =>
    s
      .shapeLine(text)
      .runs.flatMap((r) => r.glyphs)
      .find((g) => g.text === ch)!.glyph.id;
  // In "(שלום)" the opening bracket, at the right end, has the closing bracket's shape.
  assert.equal(glyphOf(base, '(שלום)', '('), glyphOf(ltr, '(x)', ')'));
  assert.equal(glyphOf(base, '(שלום)', ')'), glyphOf(ltr, '(x)', '('));
  // Inside a left-to-right name in the same line, brackets keep their shapes.
  assert.equal(glyphOf(base, 'שלום f(x) עולם', '('), glyphOf(ltr, '(x)', '('));
});

test('the quick look for mirrored characters passes over none the bidi data mirrors', () => {
  const factory = bidiModule.default as unknown as (() => Bidi) | { default: () => Bidi };
  const bidi = typeof factory === 'function' ? factory() : factory.default();
  let pairs = 0;
  for (let cp = 0; cp < 0x20000; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const ch = String.fromCodePoint(cp);
    const want = bidi.getMirroredCharacter(ch) ?? ch;
    if (want !== ch) pairs++;
    assert.equal(mirrored(`a${ch}b`), `a${want}b`, `U+${cp.toString(16)}`);
  }
  assert.ok(pairs > 300, `${pairs} mirrored pairs`);
});
