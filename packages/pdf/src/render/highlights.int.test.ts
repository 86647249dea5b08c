import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import {
  fill,
  PDFDocument,
  popGraphicsState,
  pushGraphicsState,
  rectangle,
  rgb,
  setFillingRgbColor,
  StandardFonts,
  type PDFFont,
  type PDFPage,
} from 'pdf-lib';
import type { BBox, Block, InlineMark, LayoutDocument } from '@docat/contracts';
import { requireTools } from '@docat/testing';
import { extractLayout } from '../extract/index.js';
import { FontLibrary } from '../fonts/font-library.js';
import { pseudoTranslatedPdf } from './render-fixtures.test-support.js';
import { pageWords, renderGray, type Gray } from './render-checks.test-support.js';
import { renderTranslatedPdf, type RenderText } from './render-translated.js';

const tools = requireTools('pdftoppm', 'pdftotext');
const HEIGHT = 792;
const SIZE = 11;
const LEADING = 14;
/** The highlight's yellow and the inline code's grey, and their tones once rendered grey. */
const YELLOW = rgb(1, 0.93, 0.3);
const SHADE = rgb(0.85, 0.85, 0.85);
const YELLOW_TONE = Math.round(255 * (0.299 + 0.587 * 0.93 + 0.114 * 0.3));
const SHADE_TONE = Math.round(255 * 0.85);

interface Part {
  text: string;
  font: PDFFont;
  /** A fill behind the part, drawn as a rectangle (`re f`) or a closed path (`m l … h f`). */
  back?: { color: ReturnType<typeof rgb>; as: 're' | 'path' };
}

/** Parts drawn one after another on a baseline; the fills behind some of them first. */
function line(page: PDFPage, top: number, parts: Part[]): BBox[] {
  const boxes: BBox[] = [];
  let x = 72;
  for (const p of parts) {
    const w = p.font.widthOfTextAtSize(p.text, SIZE);
    if (p.back) {
      const box: BBox = [x - 1.5, top - SIZE * 0.95, x + w + 1.5, top + SIZE * 0.3];
      const y = HEIGHT - box[3];
      const h = box[3] - box[1];
      if (p.back.as === 'path')
        page.drawRectangle({
          x: box[0],
          y,
          width: box[2] - box[0],
          height: h,
          color: p.back.color,
        });
      else {
        const c = p.back.color as unknown as { red: number; green: number; blue: number };
        page.pushOperators(
          pushGraphicsState(),
          setFillingRgbColor(c.red, c.green, c.blue),
          rectangle(box[0], y, box[2] - box[0], h),
          fill(),
          popGraphicsState(),
        );
      }
      boxes.push(box);
    }
    page.drawText(p.text, { x, y: HEIGHT - top, size: SIZE, font: p.font, color: rgb(0, 0, 0) });
    x += w;
  }
  return boxes;
}

/**
 * A paragraph with a highlighted phrase (same face as the text around it, drawn behind
 * as a closed path) and shaded inline code (a fixed-pitch face on a grey rectangle), and
 * under it a shaded banner across a whole line, which stays where it is.
 */
async function highlightsPdf(): Promise<{ bytes: Uint8Array; highlight: BBox; code: BBox }> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([612, HEIGHT]);
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const mono = await doc.embedFont(StandardFonts.Courier);
  line(page, 100, [
    {
      text: 'The setup guide explains how to install the tool on a new machine and',
      font: regular,
    },
  ]);
  const [highlight] = line(page, 100 + LEADING, [
    { text: 'how to check it. Before you start, ', font: regular },
    { text: 'read the safety notes first', font: regular, back: { color: YELLOW, as: 'path' } },
    { text: ' and keep them at hand.', font: regular },
  ]);
  const [code] = line(page, 100 + LEADING * 2, [
    { text: 'To see which version you have, run ', font: regular },
    { text: 'tool --version', font: mono, back: { color: SHADE, as: 're' } },
    { text: ' in a terminal window and', font: regular },
  ]);
  line(page, 100 + LEADING * 3, [
    {
      text: 'continue with the next chapter of this guide when the output looks right.',
      font: regular,
    },
  ]);
  page.drawRectangle({ x: 60, y: HEIGHT - 204, width: 492, height: 20, color: SHADE });
  page.drawText('Chapter two: keeping the tool up to date', {
    x: 72,
    y: HEIGHT - 198,
    size: SIZE,
    font: regular,
  });
  return { bytes: await doc.save(), highlight: highlight!, code: code! };
}

/** Share of the pixels of a box (points, top-left origin) whose tone is `tone` (±8). */
function toneShare(gray: Gray, box: BBox, dpi: number, tone: number): number {
  const k = dpi / 72;
  let hit = 0;
  let all = 0;
  for (let y = Math.round(box[1] * k); y < Math.round(box[3] * k); y++)
    for (let x = Math.round(box[0] * k); x < Math.round(box[2] * k); x++) {
      all++;
      if (Math.abs(gray.pixels[y * gray.width + x]! - tone) <= 8) hit++;
    }
  return all === 0 ? 0 : hit / all;
}

const paragraphOf = (layout: LayoutDocument): Block =>
  layout.pages[0]!.blocks.find((b) => b.text.includes('safety notes'))!;

describe('fills behind words move with the translation', { skip: tools.skip }, () => {
  let source: { bytes: Uint8Array; highlight: BBox; code: BBox };
  let layout: LayoutDocument;
  before(async () => {
    source = await highlightsPdf();
    layout = (await extractLayout(source.bytes, { ocr: 'off' })).document;
  });

  test('extraction marks the highlighted phrase and the shaded code, not the banner', () => {
    const block = paragraphOf(layout);
    const marked = (block.marks ?? [])
      .filter((m) => m.background)
      .map((m) => [block.text.slice(m.start, m.end), m.background]);
    assert.deepEqual(marked, [
      ['read the safety notes first', '#ffed4c'],
      ['tool --version', '#d9d9d9'],
    ]);
    const banner = layout.pages[0]!.blocks.find((b) => b.text.includes('Chapter two'))!;
    assert.equal(banner.marks?.some((m) => m.background) ?? false, false);
  });

  test('the fill is drawn behind the translated phrase, and gone from where it was', async () => {
    const block = paragraphOf(layout);
    const text =
      'Die Anleitung erklärt, wie das Werkzeug auf einem neuen Rechner installiert und ' +
      'geprüft wird. Bevor Sie anfangen, lesen Sie zuerst die Sicherheitshinweise und halten ' +
      'Sie diese bereit. Um Ihre Version zu sehen, führen Sie tool --version in einem ' +
      'Terminalfenster aus und fahren Sie mit dem nächsten Kapitel fort.';
    const phrase = 'lesen Sie zuerst die Sicherheitshinweise';
    const marks: InlineMark[] = [
      {
        start: text.indexOf(phrase),
        end: text.indexOf(phrase) + phrase.length,
        background: '#ffed4c',
      },
      {
        start: text.indexOf('tool --version'),
        end: text.indexOf('tool --version') + 14,
        background: '#d9d9d9',
      },
    ];
    const translations = new Map<string, RenderText>([[block.id, { text, marks }]]);
    const out = await renderTranslatedPdf(source.bytes, layout, translations, {
      targetLanguage: 'de',
      fonts: new FontLibrary(),
    });
    const dpi = 96;
    const gray = renderGray(out.bytes, 1, dpi);
    const words = pageWords(out.bytes, 1).words;
    // The words of a phrase where they stand together on the page, in order.
    const wordsOf = (s: string) => {
      const want = s.split(' ');
      const at = words.findIndex((_, i) => want.every((w, k) => words[i + k]?.text === w));
      assert.ok(at >= 0, `the words ${s} are on the page`);
      return words.slice(at, at + want.length);
    };
    // Each word of the phrase, and the code, sits on its fill (its box is mostly fill).
    for (const w of wordsOf(phrase))
      assert.ok(
        toneShare(gray, w.box, dpi, YELLOW_TONE) > 0.4,
        `${w.text} at ${JSON.stringify(w.box)} is on yellow`,
      );
    for (const w of wordsOf('tool --version'))
      assert.ok(toneShare(gray, w.box, dpi, SHADE_TONE) > 0.4, `${w.text} is on grey`);
    // Words outside the marks are not.
    for (const w of [...wordsOf('Bevor'), ...wordsOf('bereit.')])
      assert.ok(toneShare(gray, w.box, dpi, YELLOW_TONE) < 0.05, `${w.text} is not on yellow`);
    // The fills' old places hold no fill but where a marked word now lies.
    const marked = [...wordsOf(phrase), ...wordsOf('tool --version')].map((w) => w.box);
    const outside = (b: BBox) =>
      !marked.some((m) => b[0] < m[2] + 3 && m[0] - 3 < b[2] && b[1] < m[3] + 3 && m[1] - 3 < b[3]);
    for (const [box, tone] of [
      [source.highlight, YELLOW_TONE],
      [source.code, SHADE_TONE],
    ] as const) {
      const k = dpi / 72;
      let left = 0;
      for (let x = box[0]; x < box[2]; x += 1 / k) {
        const strip: BBox = [x, box[1], x + 1 / k, box[3]];
        if (outside(strip) && toneShare(gray, strip, dpi, tone) > 0.5) left++;
      }
      assert.ok(left * (1 / k) < 4, `no fill is left at ${JSON.stringify(box)} (${left} columns)`);
    }
    // The banner across a whole line stays.
    assert.ok(toneShare(gray, [62, 186, 550, 202], dpi, SHADE_TONE) > 0.5, 'the banner stays');
  });

  test('through the pipeline (segments, pseudo engine), the fills go with the words', async () => {
    const out = await pseudoTranslatedPdf(source.bytes, layout, 'de');
    const again = (await extractLayout(out.bytes, { ocr: 'off' })).document;
    const backs = again.pages[0]!.blocks.flatMap((b) =>
      (b.marks ?? [])
        .filter((m) => m.background)
        .map((m) => [b.text.slice(m.start, m.end), m.background] as const),
    );
    // Read back from the output, each fill lies behind the words of its own run: the
    // pseudo translation of the phrase (accented, no longer the source's) and the code.
    assert.ok(
      backs.some(([t, c]) => c === '#ffed4c' && t.split(' ').length >= 4 && !t.includes('safety')),
      JSON.stringify(backs),
    );
    assert.ok(
      backs.some(([t, c]) => c === '#d9d9d9' && t.includes('--')),
      JSON.stringify(backs),
    );
    assert.equal(backs.length, 2, JSON.stringify(backs));
  });
});
