import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Block } from '@docat/contracts';
import { FontLibrary } from '../fonts/font-library.js';
import { setBlock, type SetOptions } from './block-setter.js';
import { sizeOf } from './block-style.js';
import { TextShaper } from './text-shaper.js';

const library = new FontLibrary();
const ltr = new TextShaper(library, 'de', { design: 'sans', bold: false, italic: false }, 'ltr');
const rtl = new TextShaper(library, 'he', { design: 'sans', bold: false, italic: false }, 'rtl');
const PAGE = 800;

/** A label's box: one line of 10 pt text, 100 pt wide. */
const base: SetOptions = {
  box: [100, 100, 200, 111],
  pageWidth: 600,
  pageHeight: PAGE,
  size: 10,
  lineSpacing: 1.2,
  align: 'left',
  minScale: 0.6,
};
const TEXT = 'Ein längerer Text als die Quelle';

/** The setting's lines as layout boxes (y down). */
function extent(setting: ReturnType<typeof setBlock>): {
  x0: number;
  x1: number;
  top: number;
  bottom: number;
} {
  const xs = setting.lines.flatMap((l) => [l.x, l.x + l.shaped.width * setting.size]);
  const ys = setting.lines.map((l) => PAGE - l.baseline);
  return {
    x0: Math.min(...xs),
    x1: Math.max(...xs),
    top: Math.min(...ys) - setting.size * 0.8,
    bottom: Math.max(...ys) + setting.size * 0.2,
  };
}

describe('setBlock with room around the box', () => {
  test('without room a longer translation is shrunk', () => {
    const s = setBlock(TEXT, ltr, base);
    assert.ok(s.size < 10 && !s.overflow, `size ${s.size}`);
  });

  test('room below: more lines at the source size instead of a smaller size', () => {
    const s = setBlock(TEXT, ltr, { ...base, room: [100, 100, 200, 140] });
    assert.equal(s.size, 10);
    assert.equal(s.lines.length, 2);
    assert.ok(extent(s).bottom <= 140 + 1);
  });

  test('room beside: one longer line at the source size, only as wide as it needs', () => {
    const s = setBlock(TEXT, ltr, { ...base, room: [100, 100, 500, 111] });
    assert.equal(s.size, 10);
    assert.equal(s.lines.length, 1);
    const e = extent(s);
    assert.ok(Math.abs(e.x0 - 100) < 0.01, `starts at the box: ${e.x0}`);
    assert.ok(e.x1 < 300, `ends where the text does, not at the room's edge: ${e.x1}`);
  });

  test('right-aligned (right-to-left) text grown to the right ends where it needs, not at the far edge of the room', () => {
    const s = setBlock('טקסט ארוך יותר מהמקור שלו בהרבה', rtl, {
      ...base,
      align: 'right',
      room: [100, 100, 560, 111],
    });
    assert.equal(s.size, 10);
    const e = extent(s);
    assert.ok(e.x0 >= 99.9 && e.x0 < 101, `starts at the box's left edge: ${e.x0}`);
    assert.ok(e.x1 < 400, `right edge ${e.x1}`);
  });

  test('shrunk text is set at the largest size that fits, not at the next of fixed steps', () => {
    const long = Array.from({ length: 5 }, () => TEXT).join(' ');
    for (const height of [26, 30, 34, 38]) {
      const box: SetOptions = { ...base, box: [100, 100, 300, 100 + height] };
      const s = setBlock(long, ltr, box);
      assert.ok(s.size < 10 && !s.overflow, `height ${height}: ${s.size}`);
      // One percent larger does not fit the box.
      const larger = setBlock(long, ltr, { ...box, size: s.size * 1.01, minScale: 1 });
      assert.ok(larger.overflow, `height ${height}: ${s.size} is not the largest size that fits`);
    }
  });

  test('a word too long for a narrow cell is set smaller, not cut between its letters', () => {
    // Two lines of 10 pt fit the cell; at 10 pt the word is wider than the cell.
    const cell: SetOptions = { ...base, box: [100, 100, 160, 124] };
    const word = 'Kontinentalgrenze';
    const s = setBlock(word, ltr, cell);
    assert.deepEqual(
      s.lines.map((l) => l.shaped.runs.flatMap((r) => r.glyphs).length),
      [word.length],
      'one line holding the whole word',
    );
    assert.ok(s.size < 10 && s.size >= 6 && !s.overflow, `size ${s.size}`);
    // Two words: the break between them, at the largest size where each fits a line.
    const two = setBlock('Bevölkerung Kontinente', ltr, cell);
    assert.equal(two.lines.length, 2);
    assert.ok(two.size > s.size, `two words at ${two.size}, one long word at ${s.size}`);
  });

  test('a word that fits at no allowed size is still cut, not overflowing', () => {
    const s = setBlock('Donaudampfschifffahrtsgesellschaftskapitän', ltr, {
      ...base,
      box: [100, 100, 130, 160],
    });
    assert.ok(s.lines.length >= 2 && !s.overflow, `${s.lines.length} lines at ${s.size}`);
  });

  test('text that fits its box ignores the room', () => {
    const s = setBlock('Kurz', ltr, { ...base, room: [100, 100, 500, 300] });
    assert.equal(s.size, 10);
    assert.equal(s.lines.length, 1);
  });

  test('too long for the room: shrunk within the room, not only within the box', () => {
    const long = Array.from({ length: 6 }, () => TEXT).join(' ');
    const inBox = setBlock(long, ltr, base);
    const inRoom = setBlock(long, ltr, { ...base, room: [100, 100, 200, 160] });
    assert.ok(inRoom.size > inBox.size, `${inRoom.size} > ${inBox.size}`);
    assert.ok(extent(inRoom).bottom <= 161 || inRoom.overflow);
  });
});

describe('setBlock with a hanging indent', () => {
  test("a list item's wrapped lines start under its text, not under its bullet", () => {
    const item = '• Ein Listenpunkt, dessen Übersetzung über mehrere Zeilen läuft und umbricht';
    const opts: SetOptions = { ...base, box: [100, 100, 300, 160], restIndent: 18 };
    const s = setBlock(item, ltr, opts);
    assert.ok(s.lines.length >= 2, `${s.lines.length} lines`);
    assert.equal(s.lines[0]!.x, 100);
    for (const line of s.lines.slice(1)) assert.equal(line.x, 118);
    for (const line of s.lines)
      assert.ok(line.x + line.shaped.width * s.size <= 300 + 0.5, 'each line ends in the box');
    // Centred text has no hang.
    const centred = setBlock(item, ltr, { ...opts, align: 'center' });
    assert.ok(centred.lines.slice(1).every((l) => l.x < 118));
  });
});

describe('sizeOf', () => {
  const span = (text: string, size: number) => ({
    text,
    size,
    bbox: [0, 0, 1, 1] as [number, number, number, number],
    font: 'Helvetica',
  });
  test('the size most characters have, not the median of spans', () => {
    const block: Block = {
      id: 'b',
      type: 'paragraph',
      order: 0,
      bbox: [50, 30, 255, 59],
      text: '1040 Department of the Treasury—Internal Revenue Service',
      lines: [
        {
          bbox: [50, 30, 255, 59],
          spans: [span('1040', 24), span('Department of the Treasury—Internal Revenue Service', 6)],
        },
      ],
    };
    assert.equal(sizeOf(block), 6);
    const even: Block = {
      ...block,
      lines: [{ bbox: block.bbox, spans: [span('abcd', 8), span('efgh', 10)] }],
    };
    assert.equal(sizeOf(even), 9);
  });
});

describe('setBlock with styled stretches in a right-to-left line', () => {
  test('a stretch that starts inside a Latin name leaves the name in its reading order', () => {
    const bold = new TextShaper(
      library,
      'he',
      { design: 'sans', bold: true, italic: false },
      'rtl',
    );
    // "Yesterday John Smith won 3 prizes": "Smith" and "won" bold, across the change of direction.
    const text = 'אתמול John Smith זכה ב-3 פרסים';
    const start = text.indexOf('Smith');
    const setting = setBlock(text, rtl, {
      ...base,
      box: [100, 100, 400, 111],
      align: 'right',
      stretches: [{ start, end: start + 'Smith זכה'.length, shaper: bold }],
    });
    assert.equal(setting.lines.length, 1);
    const runs = setting.lines[0]!.shaped.runs;
    const shown = runs.map((r) => r.glyphs.map((g) => g.text).join('')).join('');
    // Left to right: the Hebrew words reversed, the name and the number as they are read.
    assert.equal(shown, 'םיסרפ 3-ב הכז John Smith לומתא');
    const face = (word: string): string =>
      runs.find((r) =>
        r.glyphs
          .map((g) => g.text)
          .join('')
          .includes(word),
      )!.face.key;
    assert.equal(face('Smith'), 'sans-bold');
    assert.equal(face('John'), 'sans');
    assert.equal(face('הכז'), 'sans-hebrew-bold');
    assert.equal(face('לומתא'), 'sans-hebrew');
  });
});
