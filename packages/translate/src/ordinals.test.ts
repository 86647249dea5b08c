import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pseudoTranslate } from './engines/pseudo.engine.js';
import { reassemble, segmentBlocks } from './segment.js';

const raised = { scale: 0.6, rise: 0.35 };
const TEXT = 'The 21st edition of the report appeared in 2004.';
const st = TEXT.indexOf('st edition');

/** A paragraph whose ordinal `21st` has its `st` raised and smaller, as a layout marks it. */
const BLOCK = {
  id: 'p',
  type: 'paragraph' as const,
  text: TEXT,
  marks: [{ start: st, end: st + 2, script: true, parts: [{ length: 2, ...raised }] }],
};

function translated(translation: string): { text: string; marks: unknown[] } {
  const segments = segmentBlocks([BLOCK]);
  const back = reassemble(segments, new Map([['p:0', translation]])).get('p')!;
  return { text: back.text, marks: back.marks ?? [] };
}

describe('raised ordinals', () => {
  test('the number and its raised suffix reach the engine as one pair it translates', () => {
    const [segment] = segmentBlocks([BLOCK]);
    assert.equal(segment!.text, 'The ⟦0⟧21st⟦/0⟧ edition of the report appeared in ⟦1⟧.');
    assert.equal(segment!.untranslatable, false);
  });

  test("the translation's suffix letters are raised as the source's; none when it writes none", () => {
    const german = translated('Die ⟦0⟧21.⟦/0⟧ Ausgabe des Berichts erschien 2004.');
    assert.equal(german.text, 'Die 21. Ausgabe des Berichts erschien 2004.');
    assert.deepEqual(german.marks, []);
    const french = translated('La ⟦0⟧21e⟦/0⟧ édition du rapport est parue en 2004.');
    const e = french.text.indexOf('e édition');
    assert.deepEqual(french.marks, [
      { start: e, end: e + 1, script: true, parts: [{ length: 1, ...raised }] },
    ]);
    const spanish = translated('La ⟦0⟧21.ª⟦/0⟧ edición del informe apareció en 2004.');
    const a = spanish.text.indexOf('ª');
    assert.deepEqual(spanish.marks, [
      { start: a, end: a + 1, script: true, parts: [{ length: 1, ...raised }] },
    ]);
    // An ordinal written out in words is set on the line.
    assert.deepEqual(translated('The ⟦0⟧twenty-first⟦/0⟧ edition appeared in 2004.').marks, []);
  });

  test('untranslated, the source comes back as it was: `21` on the line, `st` raised', () => {
    const segments = segmentBlocks([BLOCK]);
    const back = reassemble(segments, new Map()).get('p')!;
    assert.equal(back.text, TEXT);
    assert.deepEqual(back.marks, [
      { start: st, end: st + 2, script: true, parts: [{ length: 2, ...raised }] },
    ]);
  });

  test('French ordinals; a raised letter after a word or a year, or a wrong suffix, is no ordinal', () => {
    const text = 'Le 1er et le 2e prix, voir Smith 2004a, la note b et le 2st.';
    const mark = (s: string, before: string) => {
      const start = text.indexOf(before + s) + before.length;
      return {
        start,
        end: start + s.length,
        script: true,
        parts: [{ length: s.length, ...raised }],
      };
    };
    const [segment] = segmentBlocks([
      {
        id: 'p',
        type: 'paragraph',
        text,
        marks: [
          mark('er', '1'),
          mark('e', '2'),
          mark('a', '2004'),
          mark('b', 'note '),
          mark('st', '2'),
        ],
      },
    ]);
    assert.equal(
      segment!.text,
      'Le ⟦0⟧1er⟦/0⟧ et le ⟦1⟧2e⟦/1⟧ prix, voir Smith ⟦2⟧⟦3⟧, la note ⟦4⟧ et le ⟦5⟧⟦6⟧.',
    );
  });

  test('the pseudo engine keeps the pair, and the suffix comes back raised', () => {
    const [segment] = segmentBlocks([BLOCK]);
    const back = reassemble(
      [segment!],
      new Map([['p:0', pseudoTranslate(segment!.text, 'de')]]),
    ).get('p')!;
    assert.match(back.text, /21/u);
    assert.equal((back.marks ?? []).filter((m) => m.script).length, 1);
  });
});
