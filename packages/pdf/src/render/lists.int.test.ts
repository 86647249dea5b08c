import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import type { LayoutDocument } from '@docat/contracts';
import { extractLayout } from '../extract/index.js';
import { pseudoTranslatedPdf } from './render-fixtures.test-support.js';

const HEIGHT = 792;
const BULLET_X = 72;
const TEXT_X = 90;
const ITEMS = [
  [
    'The size of one pixel can be two different values. For an RGB colorspace this size may',
    'be three or four bytes, so it depends on the colorspace and on the alpha value.',
  ],
  [
    'Handling of pixmaps needs to take the alpha parameter into account. A decision has',
    'to be made when the pixmap is created, and it cannot be changed afterwards.',
  ],
];

/** A word processor's bulleted list: each bullet at one tab stop, its text at the next, wrapped under the text. */
async function listPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([612, HEIGHT]);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const symbol = await doc.embedFont(StandardFonts.Symbol);
  page.drawText('The alpha channel is now optional. This has the following consequences:', {
    x: BULLET_X,
    y: HEIGHT - 100,
    size: 10,
    font,
  });
  let top = 124;
  for (const lines of ITEMS) {
    page.drawText('•', { x: BULLET_X, y: HEIGHT - top, size: 10, font: symbol });
    for (const line of lines) {
      page.drawText(line, { x: TEXT_X, y: HEIGHT - top, size: 10, font });
      top += 13;
    }
    top += 6;
  }
  return doc.save();
}

describe('a bulleted list set at tab stops', () => {
  let layout: LayoutDocument;
  let out: LayoutDocument;

  before(async () => {
    const source = await listPdf();
    layout = (await extractLayout(source, { ocr: 'off' })).document;
    const result = await pseudoTranslatedPdf(source, layout);
    out = (await extractLayout(result.bytes, { ocr: 'off' })).document;
  });

  test('each item is one list item, its bullet first', () => {
    const items = layout.pages[0]!.blocks.filter((b) => b.type === 'list_item');
    assert.equal(items.length, ITEMS.length, JSON.stringify(layout.pages[0]!.blocks));
    for (const [i, item] of items.entries())
      assert.ok(item.text.startsWith(`• ${ITEMS[i]![0]!.slice(0, 20)}`), item.text);
  });

  test("the translated items' wrapped lines start under their text, not under their bullets", () => {
    const lines = out.pages[0]!.blocks.flatMap((b) => b.lines).filter((l) => l.bbox[1] > 105);
    const starts = lines.map((l) => Math.round(l.bbox[0]));
    assert.ok(lines.length > ITEMS.length * 2, JSON.stringify(starts));
    // Every line starts at the bullet (an item's first) or where the source's text started.
    for (const x of starts)
      assert.ok(
        Math.abs(x - BULLET_X) < 2 || Math.abs(x - TEXT_X) < 2,
        `a line starts at ${x}: ${JSON.stringify(starts)}`,
      );
    assert.ok(starts.filter((x) => Math.abs(x - TEXT_X) < 2).length >= ITEMS.length);
  });
});
