import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { wrapLines, wrapText } from './line-breaker.js';

/** Every character one unit wide. */
const units = (s: string): number => [...s].length;

describe('wrapText', () => {
  test('breaks at spaces, never inside a word that fits a line', () => {
    assert.deepEqual(wrapText('aaa bbb ccc ddd', 7, units), ['aaa bbb', 'ccc ddd']);
  });

  test('a shorter first line (indent, run-in heading) takes fewer words', () => {
    assert.deepEqual(wrapText('aaa bbb ccc ddd', 7, units, 4), ['aaa', 'bbb ccc', 'ddd']);
    // A first word wider than the first line starts on the next line.
    assert.deepEqual(wrapText('aaaaa bb', 8, units, 3), ['', 'aaaaa bb']);
  });

  test('CJK breaks between characters but not before closing punctuation', () => {
    const lines = wrapText('日本語の文章です。次の文', 4, units);
    assert.ok(
      lines.every((l) => units(l) <= 4),
      JSON.stringify(lines),
    );
    assert.ok(
      lines.every((l) => !l.startsWith('。')),
      JSON.stringify(lines),
    );
    assert.equal(lines.join(''), '日本語の文章です。次の文');
  });

  test('a line measured whole must fit too, when shaping widens it in context', () => {
    // A space between two words is 1.5 units wide, a trailing one 1: the segments'
    // widths sum to less than the line's.
    const contextual = (s: string): number => units(s) + 0.5 * (s.match(/ (?=\S)/gu)?.length ?? 0);
    const lines = wrapText('aa bb cc dd ee ff', 14, contextual);
    assert.ok(
      lines.every((l) => contextual(l) <= 14),
      JSON.stringify(lines),
    );
    assert.deepEqual(lines, ['aa bb cc dd', 'ee ff']);
  });

  test('a word longer than a line is cut between graphemes', () => {
    assert.deepEqual(wrapText('abcdefghij', 4, units), ['abcd', 'efgh', 'ij']);
  });
});

describe('wrapLines', () => {
  test('no line starts with a glued script (a citation after a comma or a space)', () => {
    const text = 'uses it: Slack,[20] and [21] more';
    const cite = text.indexOf('[20]');
    const other = text.indexOf('[21]');
    const glued = (at: number): boolean =>
      (at >= cite && at < cite + 4) || (at >= other && at < other + 4);
    // UAX #14 allows a break between `,` and `[`: unglued, `[20]` starts the second line.
    assert.deepEqual(
      wrapLines(text, 15, units).map((l) => l.text),
      ['uses it: Slack,', '[20] and [21]', 'more'],
    );
    assert.deepEqual(
      wrapLines(text, 15, units, 15, glued).map((l) => l.text),
      ['uses it:', 'Slack,[20]', 'and [21] more'],
    );
  });
});
