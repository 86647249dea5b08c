import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFName,
  PDFNumber,
  PDFString,
  rgb,
  StandardFonts,
  type PDFFont,
  type PDFPage,
} from 'pdf-lib';
import type { BBox, LayoutDocument } from '@docat/contracts';
import { requireTools } from '@docat/testing';
import { decorationsIn, interpretPage, openPdf, type Decoration } from '../content/index.js';
import { extractLayout } from '../extract/index.js';
import { pseudoTranslatedPdf } from './render-fixtures.test-support.js';
import { pageWords, type Word } from './render-checks.test-support.js';

const tools = requireTools('pdftotext');
const HEIGHT = 792;
const SIZE = 11;
const LEADING = 14;
const LINK = 'https://example.org/project';

interface Part {
  text: string;
  /** Blue, underlined by a thin filled bar, under a link annotation. */
  link?: boolean;
  /** Struck through by a red stroked line. */
  strike?: boolean;
}

/** Parts drawn one after another on the baseline `HEIGHT - top`, with their decorations. */
function line(page: PDFPage, font: PDFFont, top: number, parts: Part[]): void {
  let x = 72;
  const base = HEIGHT - top;
  for (const p of parts) {
    const w = font.widthOfTextAtSize(p.text, SIZE);
    page.drawText(p.text, {
      x,
      y: base,
      size: SIZE,
      font,
      color: p.link ? rgb(0, 0, 0.8) : rgb(0, 0, 0),
    });
    if (p.link) {
      page.drawRectangle({ x, y: base - 1.8, width: w, height: 0.6, color: rgb(0, 0, 0.8) });
      const ctx = page.doc.context;
      const annot = ctx.register(
        ctx.obj({
          Type: 'Annot',
          Subtype: 'Link',
          Rect: [x, base - 3, x + w, base + SIZE],
          Border: [0, 0, 0],
          A: { S: 'URI', URI: PDFString.of(LINK) },
        }),
      );
      let annots = page.node.lookup(PDFName.of('Annots'));
      if (!(annots instanceof PDFArray)) {
        annots = ctx.obj([]);
        page.node.set(PDFName.of('Annots'), annots);
      }
      (annots as PDFArray).push(annot);
    }
    if (p.strike)
      page.drawLine({
        start: { x, y: base + SIZE * 0.3 },
        end: { x: x + w, y: base + SIZE * 0.3 },
        thickness: 0.7,
        color: rgb(0.9, 0, 0),
      });
    x += w;
  }
}

/**
 * A paragraph with an underlined link in its second line, an underlined heading (a stroked
 * line under its whole width) and a paragraph with struck-through words.
 */
async function decoratedPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([612, HEIGHT]);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const heading = 'Installing the command line tool';
  page.drawText(heading, { x: 72, y: HEIGHT - 80, size: 14, font: bold });
  page.drawLine({
    start: { x: 72, y: HEIGHT - 82.5 },
    end: { x: 72 + bold.widthOfTextAtSize(heading, 14), y: HEIGHT - 82.5 },
    thickness: 1,
    color: rgb(0, 0, 0),
  });
  line(page, font, 110, [
    { text: 'The setup guide explains how to install the tool on a new machine and how' },
  ]);
  line(page, font, 110 + LEADING, [
    { text: 'to check that it works. The latest release is on the ' },
    { text: 'project page', link: true },
    { text: ' with notes.' },
  ]);
  line(page, font, 110 + LEADING * 2, [
    { text: 'Read the notes before you upgrade an existing installation of the tool.' },
  ]);
  line(page, font, 200, [
    { text: 'Older versions ran on every system, ' },
    { text: 'including the oldest ones', strike: true },
    { text: ', and needed no setup.' },
  ]);
  line(page, font, 200 + LEADING, [
    { text: 'Newer versions need a recent system and a network connection to install.' },
  ]);
  return doc.save();
}

/** The decorations a page draws in its own content, in displayed-page boxes (y down), with their colour. */
async function decorationsOf(
  bytes: Uint8Array,
): Promise<{ box: BBox; color: string; thickness: number }[]> {
  const file = await openPdf(bytes);
  const page = interpretPage(file, 0).scopes.find((s) => s.path.length === 0)!;
  return decorationsIn(page.ops).map((d: Decoration) => ({
    box: [d.box[0], HEIGHT - d.box[3], d.box[2], HEIGHT - d.box[1]],
    color: d.color
      .map((o) => o.operands.map((v) => (v.kind === 'number' ? v.value.toFixed(2) : '')).join(' '))
      .join(' '),
    thickness: d.thickness,
  }));
}

/** Link annotations' rectangles, displayed-page boxes. */
async function linkRects(bytes: Uint8Array): Promise<BBox[]> {
  const doc = await PDFDocument.load(bytes);
  const annots = doc.getPage(0).node.lookup(PDFName.of('Annots'));
  if (!(annots instanceof PDFArray)) return [];
  return annots
    .asArray()
    .map((a) => doc.context.lookup(a))
    .filter((a): a is PDFDict => a instanceof PDFDict)
    .map((a) => {
      const r = a
        .lookup(PDFName.of('Rect'), PDFArray)
        .asArray()
        .map((v) => (v as PDFNumber).asNumber());
      return [r[0]!, HEIGHT - r[3]!, r[2]!, HEIGHT - r[1]!];
    });
}

/** Words over most of a stretch of x on the band just above `y` (their bottoms within a few points of it). */
function wordsOver(words: Word[], x0: number, x1: number, y: number): Word[] {
  return words.filter(
    (w) => w.box[0] < x1 && w.box[2] > x0 && w.box[3] >= y - 4 && w.box[1] <= y - 2,
  );
}

function covered(words: Word[], x0: number, x1: number): number {
  let sum = 0;
  for (const w of words) sum += Math.max(0, Math.min(x1, w.box[2]) - Math.max(x0, w.box[0]));
  return sum / Math.max(1e-6, x1 - x0);
}

describe(
  'underlines and strike-throughs go with the translated words',
  { skip: tools.skip },
  () => {
    let source: Uint8Array;
    let layout: LayoutDocument;
    let out: Uint8Array;
    before(async () => {
      source = await decoratedPdf();
      layout = (await extractLayout(source, { ocr: 'off' })).document;
      out = (await pseudoTranslatedPdf(source, layout)).bytes;
    });

    test('the source has the three decorations where the words are', async () => {
      const found = await decorationsOf(source);
      assert.equal(found.length, 3, JSON.stringify(found));
      const link = layout.pages[0]!.blocks.flatMap((b) => b.lines.flatMap((l) => l.spans));
      assert.ok(
        link.some((s) => s.href === LINK),
        'the link words carry the link',
      );
    });

    test('each decoration of the output lies under or through translated words, across them', async () => {
      const { words } = pageWords(out, 1);
      const found = await decorationsOf(out);
      assert.ok(found.length >= 2, `decorations drawn: ${JSON.stringify(found)}`);
      for (const d of found) {
        const mid = (d.box[1] + d.box[3]) / 2;
        const over = wordsOver(words, d.box[0], d.box[2], mid + SIZE * 0.45);
        assert.ok(
          covered(over, d.box[0], d.box[2]) > 0.9,
          `a decoration at ${d.box.map((v) => v.toFixed(1)).join(',')} lies under words`,
        );
      }
    });

    test('the link is underlined in its colour where the translation set it, and only there', async () => {
      const found = await decorationsOf(out);
      const blue = found.filter((d) => d.color === '0.00 0.00 0.80');
      const rects = await linkRects(out);
      assert.ok(blue.length >= 1, 'the link keeps an underline');
      for (const d of blue) {
        const rect = rects.find(
          (r) => Math.abs(r[0] - d.box[0]) < 1 && Math.abs(r[2] - d.box[2]) < 1,
        );
        assert.ok(rect, `the underline at ${d.box.join(',')} spans a link annotation`);
        assert.ok(Math.abs(d.thickness - 0.6) < 0.05, `thickness ${d.thickness}`);
      }
      const { words } = pageWords(out, 1);
      // The translated link's words (pseudo-translated "project page") carry the underline.
      const under = words.filter((w) =>
        blue.some(
          (d) =>
            w.box[0] >= d.box[0] - 1 &&
            w.box[2] <= d.box[2] + 1 &&
            w.box[3] > d.box[1] - 4 &&
            w.box[3] < d.box[3] + 2,
        ),
      );
      assert.ok(
        under.length >= 2,
        `words over the link's underline: ${under.map((w) => w.text).join(' ')}`,
      );
    });

    test("the heading's underline is as long as the translated heading", async () => {
      const { words } = pageWords(out, 1);
      const found = await decorationsOf(out);
      const heading = found.filter((d) => d.box[1] < 90 && d.box[1] > 70);
      assert.equal(heading.length, 1, JSON.stringify(found));
      const over = words.filter((w) => w.box[1] < 82 && w.box[3] > 68);
      const x0 = Math.min(...over.map((w) => w.box[0]));
      const x1 = Math.max(...over.map((w) => w.box[2]));
      assert.ok(
        Math.abs(heading[0]!.box[0] - x0) < 1.5 && Math.abs(heading[0]!.box[2] - x1) < 1.5,
        `underline ${heading[0]!.box[0].toFixed(1)}–${heading[0]!.box[2].toFixed(1)}, heading ${x0.toFixed(1)}–${x1.toFixed(1)}`,
      );
    });

    test('a strike-through no mark carries is taken away, not left through other words', async () => {
      const found = await decorationsOf(out);
      assert.equal(found.filter((d) => d.color.startsWith('0.90')).length, 0);
    });
  },
);
