import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { PDFDocument, rgb, StandardFonts } from 'pdf-lib';
import type { LayoutDocument } from '@docat/contracts';
import { requireTools } from '@docat/testing';
import { interpretPage, openPdf, type GlyphRun } from '../content/index.js';
import { extractLayout } from '../extract/index.js';
import { pseudoTranslatedPdf } from './render-fixtures.test-support.js';
import { pageWords } from './render-checks.test-support.js';

const tools = requireTools('pdftotext');
const HEIGHT = 792;
const SIZE = 10;
const ROWS = [
  ['Feature', 'Status of the feature'],
  ['Offline mode', '✔ Supported on every system'],
  ['Cloud sync', '✘ Not available in this release'],
  ['Sharing links', 'Planned for the next version ★'],
];

/**
 * A ruled table whose second column starts or ends some cells with an icon of the
 * ZapfDingbats font (a tick, a cross, a star), the words in Helvetica.
 */
async function iconTablePdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([612, HEIGHT]);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const dingbats = await doc.embedFont(StandardFonts.ZapfDingbats);
  const cols = [72, 220, 480];
  const top = 100;
  const rowH = 22;
  for (let r = 0; r <= ROWS.length; r++)
    page.drawLine({
      start: { x: cols[0]!, y: HEIGHT - (top + r * rowH) },
      end: { x: cols[2]!, y: HEIGHT - (top + r * rowH) },
      thickness: 0.8,
      color: rgb(0, 0, 0),
    });
  for (const x of cols)
    page.drawLine({
      start: { x, y: HEIGHT - top },
      end: { x, y: HEIGHT - (top + ROWS.length * rowH) },
      thickness: 0.8,
      color: rgb(0, 0, 0),
    });
  ROWS.forEach((row, r) => {
    const base = HEIGHT - (top + r * rowH + 15);
    row.forEach((cell, c) => {
      let x = cols[c]! + 6;
      for (const part of cell.split(/([✔✘★])/u)) {
        if (part === '') continue;
        const f = /[✔✘★]/u.test(part) ? dingbats : font;
        page.drawText(part, { x, y: base, size: SIZE, font: f });
        x += f.widthOfTextAtSize(part, SIZE);
      }
    });
  });
  return doc.save();
}

const isDingbat = (r: GlyphRun): boolean => /ZapfDingbats/u.test(r.baseFont);

describe(
  'icons at the ends of a table cell stay with its translation',
  { skip: tools.skip },
  () => {
    let source: Uint8Array;
    let layout: LayoutDocument;
    let out: Awaited<ReturnType<typeof pseudoTranslatedPdf>>;
    before(async () => {
      source = await iconTablePdf();
      layout = (await extractLayout(source, { ocr: 'off' })).document;
      out = await pseudoTranslatedPdf(source, layout);
    });

    test('the layout reads a table with the cells translated one by one', () => {
      const table = layout.pages[0]!.blocks.find((b) => b.type === 'table');
      assert.ok(
        table?.cells && table.cells.length >= 8,
        JSON.stringify(layout.pages[0]!.blocks.map((b) => [b.type, b.text])),
      );
      assert.ok(out.placements.some((p) => p.cell !== undefined));
    });

    test('each icon is still drawn in its own font where it was', async () => {
      const before = interpretPage(await openPdf(source), 0).runs.filter(isDingbat);
      const after = interpretPage(await openPdf(out.bytes), 0).runs.filter(isDingbat);
      assert.equal(before.length, 3);
      for (const b of before) {
        const kept = after.find(
          (a) =>
            a.unicode === b.unicode &&
            Math.abs(a.bbox![0] - b.bbox![0]) < 0.01 &&
            Math.abs(a.bbox![1] - b.bbox![1]) < 0.01,
        );
        assert.ok(kept, `${b.unicode} is kept at ${b.bbox!.join(',')}`);
      }
    });

    test('the translated words are set beside the icons, not over them, and carry no copy of them', async () => {
      const icons = interpretPage(await openPdf(out.bytes), 0)
        .runs.filter(isDingbat)
        .map((r) => [r.bbox![0], HEIGHT - r.bbox![3], r.bbox![2], HEIGHT - r.bbox![1]] as const);
      const { words } = pageWords(out.bytes, 1);
      const others = words.filter((w) => !/^[✔✘★]$/u.test(w.text));
      for (const icon of icons) {
        const overlapping = others.filter(
          (w) =>
            w.box[0] < icon[2] - 0.5 &&
            w.box[2] > icon[0] + 0.5 &&
            w.box[1] < icon[3] - 1 &&
            w.box[3] > icon[1] + 1,
        );
        assert.deepEqual(
          overlapping.map((w) => w.text),
          [],
          'no translated word over an icon',
        );
      }
      const drawnByUs = interpretPage(await openPdf(out.bytes), 0).runs.filter(
        (r) => !isDingbat(r) && /[✔✘★]/u.test(r.unicode),
      );
      assert.deepEqual(
        drawnByUs.map((r) => r.unicode),
        [],
      );
      assert.equal(out.placements.filter((p) => p.missing !== '').length, 0);
    });
  },
);
