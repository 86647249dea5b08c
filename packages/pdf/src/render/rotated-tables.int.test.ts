import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { degrees, PDFDocument, StandardFonts } from 'pdf-lib';
import type { LayoutDocument, Span } from '@docat/contracts';
import { extractLayout } from '../extract/index.js';
import { pseudoTranslatedPdf } from './render-fixtures.test-support.js';

const STATES = [
  'Alabama',
  'Alaska',
  'Arizona',
  'Arkansas',
  'California',
  'Colorado',
  'Connecticut',
  'Delaware',
];

/**
 * A landscape table printed on a portrait page: every line runs up the page (turned 90
 * degrees), the table's rows following one another from left to right.
 */
async function sidewaysTablePdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([612, 792]);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const at = (text: string, row: number, col: number, f = font): void => {
    page.drawText(text, {
      x: 120 + row * 16,
      y: 90 + col * 130,
      size: 9,
      font: f,
      rotate: degrees(90),
    });
  };
  [
    'State or territory',
    'Permit checks',
    'Handgun sales',
    'Long gun sales',
    'Other firearms',
  ].forEach((h, c) => at(h, 0, c, bold));
  STATES.forEach((s, r) => {
    at(s, r + 1, 0);
    for (let c = 1; c < 5; c++) at(String(((r + 3) * (c + 7) * 37) % 9000), r + 1, c);
  });
  return doc.save();
}

function spans(layout: LayoutDocument): Span[] {
  return layout.pages.flatMap((p) => p.blocks.flatMap((b) => b.lines.flatMap((l) => l.spans)));
}

describe('a table turned on its page', () => {
  let layout: LayoutDocument;
  let out: LayoutDocument;

  before(async () => {
    const source = await sidewaysTablePdf();
    layout = (await extractLayout(source, { ocr: 'off' })).document;
    const result = await pseudoTranslatedPdf(source, layout);
    out = (await extractLayout(result.bytes, { ocr: 'off' })).document;
  });

  test('is read as a table at its angle', () => {
    const tables = layout.pages[0]!.blocks.filter((b) => b.type === 'table');
    assert.equal(tables.length, 1, JSON.stringify(layout.pages[0]!.blocks.map((b) => b.type)));
    assert.equal(tables[0]!.angle, 90);
  });

  test('its translated cells run up the page like the source, not across it', () => {
    const translated = spans(out).filter((s) => /⟪|[àáâãäåāèéêëēìíîïīòóôõöø]/u.test(s.text));
    assert.ok(translated.length >= STATES.length, JSON.stringify(translated.map((s) => s.text)));
    const upright = translated.filter((s) => s.angle === undefined || Math.abs(s.angle) < 1);
    assert.deepEqual(
      upright.map((s) => s.text),
      [],
      'no translated cell is set across the page',
    );
    assert.ok(translated.every((s) => Math.abs(s.angle! - 90) < 1));
  });

  test('each state is set where its row was', () => {
    const source = spans(layout);
    for (const state of STATES) {
      const was = source.find((s) => s.text.trim() === state)!;
      const now = spans(out).filter(
        (s) => s.angle !== undefined && Math.abs(s.bbox[0] - was.bbox[0]) < 4,
      );
      assert.ok(
        now.some((s) => s.bbox[3] > was.bbox[3] - 4 && s.bbox[3] < was.bbox[3] + 4),
        `${state}: source ${JSON.stringify(was.bbox)}, set ${JSON.stringify(now.map((s) => [s.text, s.bbox]))}`,
      );
    }
  });
});
