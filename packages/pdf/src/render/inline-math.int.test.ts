import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, StandardFonts, type PDFFont, type PDFPage } from 'pdf-lib';
import type { Block, LayoutDocument, Span } from '@docat/contracts';
import { extractLayout } from '../extract/index.js';
import { faceOf, fontFilePath } from '../fonts/font-files.js';
import { pseudoTranslatedPdf } from './render-fixtures.test-support.js';

const HEIGHT = 792;

/** Runs on one line from `x`, each at its size and its baseline's offset (up) from `top`'s. */
function runs(
  page: PDFPage,
  x: number,
  top: number,
  parts: [string, PDFFont, number, number][],
): void {
  let at = x;
  for (const [text, font, size, rise] of parts) {
    page.drawText(text, { x: at, y: HEIGHT - top + rise, size, font });
    at += font.widthOfTextAtSize(text, size);
  }
}

/**
 * A paragraph as TeX sets inline mathematics: letters in math italic (a font named
 * CMMI10, and CMMI7 for scripts), the subscript `x0,y` of `U` smaller and lower, the
 * superscript `2` of `n` (in the text font CMR7) smaller and higher.
 */
async function mathPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  const page = doc.addPage([612, HEIGHT]);
  const text = await doc.embedFont(StandardFonts.TimesRoman);
  const italic = readFileSync(fontFilePath(faceOf('serif', { bold: false, italic: true })));
  const upright = readFileSync(fontFilePath(faceOf('serif', { bold: false, italic: false })));
  const cmmi10 = await doc.embedFont(italic, { customName: 'CMMI10' });
  const cmmi7 = await doc.embedFont(italic, { customName: 'CMMI7' });
  const cmr7 = await doc.embedFont(upright, { customName: 'CMR7' });
  runs(page, 72, 120, [
    ['The open sets ', text, 11, 0],
    ['U', cmmi10, 11, 0],
    ['x0,y', cmmi7, 7.7, -1.8],
    [' cover the whole product space for every', text, 11, 0],
  ]);
  runs(page, 72, 134, [
    ['point, and the cost of the search grows as ', text, 11, 0],
    ['n', cmmi10, 11, 0],
    ['2', cmr7, 7.7, 4.4],
    [' with the size of the', text, 11, 0],
  ]);
  runs(page, 72, 148, [['input, as the analysis of the previous chapter showed.', text, 11, 0]]);
  return doc.save();
}

function paragraph(layout: LayoutDocument): Block {
  const block = layout.pages[0]!.blocks.find((b) => b.text.includes('open sets'));
  assert.ok(block, 'the paragraph is found');
  return block;
}

/** Spans of the page whose text is exactly `text`, top to bottom. */
function spansOf(layout: LayoutDocument, text: string): Span[] {
  return layout.pages[0]!.blocks.flatMap((b) =>
    b.lines.flatMap((l) => l.spans.filter((s) => s.text.trim() === text)),
  );
}

const baseline = (s: Span): number => s.bbox[3] - s.size * 0.25;

describe('inline mathematics keeps its scripts in the translation', () => {
  let layout: LayoutDocument;
  let out: LayoutDocument;
  let translated: Awaited<ReturnType<typeof pseudoTranslatedPdf>>;

  before(async () => {
    const source = await mathPdf();
    layout = (await extractLayout(source, { ocr: 'off' })).document;
    translated = await pseudoTranslatedPdf(source, layout, 'de');
    out = (await extractLayout(translated.bytes, { ocr: 'off' })).document;
  });

  test('extraction gives the math runs their parts', () => {
    const block = paragraph(layout);
    const math = (block.marks ?? []).filter((m) => m.math);
    assert.deepEqual(
      math.map((m) => block.text.slice(m.start, m.end)),
      ['Ux0,y', 'n2'],
    );
    const [u, n] = math;
    assert.equal(u!.parts?.length, 2);
    assert.deepEqual(u!.parts![0], { length: 1, scale: 1, rise: 0, italic: true });
    assert.equal(u!.parts![1]!.length, 4);
    assert.equal(u!.parts![1]!.scale, 0.7);
    assert.ok(u!.parts![1]!.rise < -0.1, JSON.stringify(u!.parts));
    assert.equal(n!.parts?.length, 2);
    assert.ok(n!.parts![1]!.rise > 0.3, JSON.stringify(n!.parts));
  });

  test('the translation sets the subscript smaller and lower, the superscript higher', () => {
    const words = translated.translations.get(paragraph(layout).id);
    assert.ok(words && typeof words !== 'string' && words.text.includes('Ux0,y'), 'translated');
    const [u] = spansOf(out, 'U');
    const [sub] = spansOf(out, 'x0,y');
    const [n] = spansOf(out, 'n');
    const [sup] = spansOf(out, '2');
    assert.ok(u && sub && n && sup, 'the math pieces are drawn apart');
    assert.ok(sub.size < u.size * 0.8, `subscript ${sub.size} against ${u.size}`);
    assert.ok(baseline(sub) > baseline(u) + u.size * 0.1, 'the subscript sits lower');
    assert.ok(sup.size < n.size * 0.8, `superscript ${sup.size} against ${n.size}`);
    assert.ok(baseline(sup) < baseline(n) - n.size * 0.25, 'the superscript sits higher');
    // Math italic letters stay italic; the translated words around them are upright.
    assert.match(u.font, /italic/iu);
    assert.match(sub.font, /italic/iu);
    assert.doesNotMatch(sup.font, /italic/iu);
  });
});

/**
 * A paragraph of prose with raised and lowered runs in its own text font: a footnote mark
 * after a word, the subscript of H₂O and a citation number after a comma.
 */
async function scriptsPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([612, HEIGHT]);
  const text = await doc.embedFont(StandardFonts.TimesRoman);
  runs(page, 72, 120, [
    ['The viewer ships with the browser', text, 11, 0],
    ['7', text, 7.7, 4.4],
    [' and reads the water content, H', text, 11, 0],
    ['2', text, 7.7, -2.2],
    ['O, of the sample', text, 11, 0],
  ]);
  runs(page, 72, 134, [
    ['files that the lab wrote down for the survey,', text, 11, 0],
    ['[9]', text, 8.8, 4.4],
    [' as the second chapter explains', text, 11, 0],
  ]);
  runs(page, 72, 148, [['at length for the readers of the report.', text, 11, 0]]);
  return doc.save();
}

describe('scripts in prose keep their size and place in the translation', () => {
  let layout: LayoutDocument;
  let out: LayoutDocument;

  before(async () => {
    const source = await scriptsPdf();
    layout = (await extractLayout(source, { ocr: 'off' })).document;
    out = (
      await pseudoTranslatedPdf(source, layout, 'de').then((t) =>
        extractLayout(t.bytes, { ocr: 'off' }),
      )
    ).document;
  });

  test('extraction marks the footnote mark, the subscript and the citation as scripts', () => {
    const block = layout.pages[0]!.blocks.find((b) => b.text.includes('viewer ships'));
    assert.ok(block, 'the paragraph is found');
    const scripts = (block.marks ?? []).filter((m) => m.script);
    assert.deepEqual(
      scripts.map((m) => [block.text.slice(m.start, m.end), Math.sign(m.parts?.[0]?.rise ?? 0)]),
      [
        ['7', 1],
        ['2', -1],
        ['[9]', 1],
      ],
    );
  });

  test('the translation sets them smaller, raised or lowered, beside translated words', () => {
    const words = out.pages[0]!.blocks.flatMap((b) => b.lines.flatMap((l) => l.spans));
    assert.ok(!words.some((s) => s.text.includes('viewer ships')), 'the words are translated');
    for (const [mark, up] of [
      ['7', true],
      ['2', false],
      ['[9]', true],
    ] as const) {
      const [span] = spansOf(out, mark);
      assert.ok(span, `${mark} is drawn apart`);
      const line = out.pages[0]!.blocks.flatMap((b) => b.lines).find((l) => l.spans.includes(span));
      const body = line!.spans.find(
        (s) => s !== span && s.text.trim() !== '' && s.size > span.size,
      );
      assert.ok(body, `${mark} has words beside it`);
      assert.ok(span.size < body.size * 0.85, `${mark}: ${span.size} against ${body.size}`);
      const shift = baseline(body) - baseline(span);
      if (up) assert.ok(shift > body.size * 0.25, `${mark} sits higher (${shift})`);
      else assert.ok(shift < -body.size * 0.1, `${mark} sits lower (${shift})`);
    }
  });
});
