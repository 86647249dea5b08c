import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BBox, Span } from '@docat/contracts';
import { attachSpacingAccents } from './accents.js';

const span = (text: string, bbox: BBox, extra: Partial<Span> = {}): Span => ({
  text,
  bbox,
  font: 'CMR10',
  size: 9,
  ...extra,
});

describe('accents drawn as glyphs of their own', () => {
  test('an accent ending a run, with the next run starting back under it, goes on that letter', () => {
    // As tracemonkey draws "a naïve": "a na¨" ends at 72.4, "ıve ..." starts at 69.6.
    const out = attachSpacingAccents([
      span('a na¨', [54, 612, 72.4, 621]),
      span('ıve implementation', [69.6, 612, 150, 621]),
    ]);
    assert.deepEqual(
      out.map((s) => s.text),
      ['a na', 'ïve implementation'],
    );
    assert.deepEqual(out[0]!.bbox, [54, 612, 72.4, 621], 'the runs keep their places');
  });

  test('an accent run of its own is merged into the letter it covers', () => {
    const out = attachSpacingAccents([
      span('caf', [10, 0, 24, 9]),
      span('´', [24.5, 0, 27, 9]),
      span('e au lait', [24.3, 0, 60, 9]),
    ]);
    assert.deepEqual(
      out.map((s) => s.text),
      ['caf', 'é au lait'],
    );
    assert.deepEqual(out[1]!.bbox, [24.3, 0, 60, 9], 'its box takes in the accent’s');
  });

  test('a cedilla drawn after its letter goes on that letter', () => {
    const out = attachSpacingAccents([
      span('Franc', [0, 0, 20, 9]),
      span('¸', [17, 0, 20, 9]),
      span('ais', [20.2, 0, 32, 9]),
    ]);
    assert.deepEqual(
      out.map((s) => s.text),
      ['Franç', 'ais'],
    );
  });

  test('within one run, an accent before a dotless i or j composes', () => {
    const out = attachSpacingAccents([span('na¨ıve and ˆȷ', [0, 0, 60, 9])]);
    assert.equal(out[0]!.text, 'naïve and ĵ');
    const mark = attachSpacingAccents([span('naı\u0308ve', [0, 0, 30, 9])]);
    assert.equal(mark[0]!.text, 'naïve');
  });

  test('an accent the next run does not reach back under stays as written', () => {
    // "geht´s" with an apostrophe drawn as an acute, and a backtick in code: no overlap.
    const spans = [
      span('geht´', [0, 0, 22, 9]),
      span('s gut', [22.5, 0, 45, 9]),
      span('echo `', [0, 20, 30, 29], { font: 'CMTT10' }),
      span('date`', [30, 20, 55, 29], { font: 'CMTT10' }),
    ];
    assert.deepEqual(
      attachSpacingAccents(spans).map((s) => s.text),
      ['geht´', 's gut', 'echo `', 'date`'],
    );
  });

  test('runs on different lines are never joined', () => {
    const spans = [span('na¨', [0, 0, 20, 9]), span('ıve', [15, 30, 30, 39])];
    assert.deepEqual(
      attachSpacingAccents(spans).map((s) => s.text),
      ['na¨', 'ıve'],
    );
  });
});
