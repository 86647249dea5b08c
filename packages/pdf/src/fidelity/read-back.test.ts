import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { BBox, Block, LayoutDocument } from '@docat/contracts';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { FontLibrary } from '../fonts/font-library.js';
import { renderDualPdf } from '../render/render-dual.js';
import { renderTranslatedPdf } from '../render/render-translated.js';
import { fidelityReportOf, readBack } from './index.js';

const SOURCE = 'The quick brown fox jumps over the lazy dog';
const LABEL = 'Kept label';

function block(id: string, order: number, bbox: BBox, text: string): Block {
  return {
    id,
    order,
    type: 'paragraph',
    bbox,
    text,
    lines: [{ bbox, spans: [{ text, bbox, font: 'Helvetica', size: 12 }] }],
  };
}

/** One page: a sentence at the top, a label below it (Helvetica 12, baselines at 700 and 600). */
async function sourcePdf(): Promise<{ bytes: Uint8Array; layout: LayoutDocument }> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const page = doc.addPage([600, 800]);
  page.drawText(SOURCE, { x: 50, y: 700, size: 12, font });
  page.drawText(LABEL, { x: 50, y: 600, size: 12, font });
  const width = (t: string) => font.widthOfTextAtSize(t, 12);
  const layout: LayoutDocument = {
    schemaVersion: 1,
    pageCount: 1,
    language: 'en',
    pages: [
      {
        number: 1,
        width: 600,
        height: 800,
        rotation: 0,
        scanned: false,
        blocks: [
          block('a', 0, [50, 89, 50 + width(SOURCE), 103], SOURCE),
          block('b', 1, [50, 189, 50 + width(LABEL), 203], LABEL),
        ],
      },
    ],
  };
  return { bytes: await doc.save(), layout };
}

describe('reading a rendered PDF back', () => {
  let source: { bytes: Uint8Array; layout: LayoutDocument };
  const fonts = new FontLibrary();
  const translations = new Map([['a', 'Der schnelle braune Fuchs springt über den faulen Hund']]);
  before(async () => {
    source = await sourcePdf();
  });

  test('the source page reads back as kept words at their layout places', async () => {
    const [page] = await readBack(source.bytes);
    assert.deepEqual(
      page!.kept.map((w) => w.text),
      [...SOURCE.split(' '), ...LABEL.split(' ')],
    );
    assert.deepEqual(page!.added, []);
    const fox = page!.kept.find((w) => w.text === 'fox')!;
    // Inside the sentence's layout box (y down from the top of the page).
    assert.ok(fox.box[1] >= 88 && fox.box[3] <= 104, JSON.stringify(fox.box));
  });

  test('after rendering: the translation reads back as set text, the untranslated label as kept, and the report says so', async () => {
    const rendered = await renderTranslatedPdf(source.bytes, source.layout, translations, {
      targetLanguage: 'de',
      fonts,
    });
    const [page] = await readBack(rendered.bytes);
    assert.deepEqual(
      page!.kept.map((w) => w.text),
      LABEL.split(' '),
    );
    assert.ok(
      page!.added.some((w) => w.text === 'Fuchs'),
      page!.added.map((w) => w.text).join(' '),
    );
    assert.equal(page!.notdef, 0);
    const report = await fidelityReportOf(rendered, {
      layout: source.layout,
      translations,
      targetLanguage: 'de',
    });
    assert.equal(report.measuredOn, 'pdf');
    assert.deepEqual(
      report.pages.map((p) => [p.words, p.left]),
      [[11, 2]],
    );
    assert.deepEqual(
      report.untranslated.map((u) => [u.blockId, u.reason]),
      [['b', 'not_translated']],
    );
    assert.deepEqual(report.overlaps, []);
    assert.deepEqual(
      report.fonts.map((f) => f.source),
      ['Helvetica'],
    );
    assert.ok(
      report.fonts[0]!.output.every((f) => f.startsWith('Noto')),
      JSON.stringify(report.fonts),
    );
  });

  test('interleaved bilingual PDF: a new document where the translation follows its source paragraph', async () => {
    const rendered = await renderTranslatedPdf(source.bytes, source.layout, translations, {
      targetLanguage: 'de',
      fonts,
    });
    const dual = await renderDualPdf(source.bytes, rendered.bytes, {
      mode: 'interleaved',
      plan: { layout: source.layout, translations, targetLanguage: 'de', fonts },
    });
    const doc = await PDFDocument.load(dual);
    assert.equal(doc.getPageCount(), 1);
    const [page] = await readBack(dual);
    // Every word is set anew (nothing of the source page is drawn), in reading order.
    assert.deepEqual(page!.kept, []);
    const words = page!.added.map((w) => w.text);
    const dog = words.indexOf('dog');
    const der = words.indexOf('Der');
    const label = words.indexOf('Kept');
    assert.ok(dog >= 0 && der > dog && label > der, words.join(' '));
    // The translation sits below its source paragraph, indented.
    const srcBox = page!.added[words.indexOf('The')]!.box;
    const dstBox = page!.added[der]!.box;
    assert.ok(
      dstBox[1] > srcBox[3] - 1 && dstBox[0] > srcBox[0],
      `${JSON.stringify(srcBox)} ${JSON.stringify(dstBox)}`,
    );
    await assert.rejects(
      renderDualPdf(source.bytes, rendered.bytes, { mode: 'interleaved' }),
      /needs the layout/u,
    );
  });
});
