import assert from 'node:assert/strict';
import { crc32, deflateSync } from 'node:zlib';
import { before, describe, test } from 'node:test';
import {
  clip,
  closePath,
  degrees,
  endPath,
  PDFDocument,
  PDFName,
  PDFString,
  popGraphicsState,
  pushGraphicsState,
  rectangle,
  rgb,
  setTextRenderingMode,
  StandardFonts,
  TextRenderingMode,
  type PDFFont,
  type PDFPage,
} from 'pdf-lib';
import type { Block, LayoutDocument, Span } from '@docat/contracts';
import { requireTools } from '@docat/testing';
import { extractLayout } from '../extract/index.js';
import type { renderTranslatedPdf } from './render-translated.js';
import { pseudoTranslatedPdf } from './render-fixtures.test-support.js';
import { renderGray } from './render-checks.test-support.js';

const tools = requireTools('pdftoppm');
const HEIGHT = 792;
const BLUE = rgb(0.1, 0.3, 0.8);

/** Text drawn at (x, y from the top) in a font, run after run on one baseline. */
function runs(
  page: PDFPage,
  x: number,
  top: number,
  parts: [string, PDFFont, ReturnType<typeof rgb>?][],
  size = 11,
): void {
  let at = x;
  for (const [text, font, color] of parts) {
    page.drawText(text, { x: at, y: HEIGHT - top, size, font, color: color ?? rgb(0, 0, 0) });
    at += font.widthOfTextAtSize(text, size);
  }
}

/**
 * A page with every style the translation must keep: a blue heading, run-in bold, an
 * italic word, a link, white text on a dark banner, text set at 90 and 30 degrees, and
 * three texts the page does not show (white on white, render mode 3, clipped away).
 */
async function stylesPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([612, HEIGHT]);
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const italic = await doc.embedFont(StandardFonts.HelveticaOblique);
  page.drawText('Quarterly results overview', {
    x: 72,
    y: HEIGHT - 80,
    size: 20,
    font: bold,
    color: BLUE,
  });
  runs(page, 72, 120, [
    ['Representation specialization: numbers.', bold],
    [' The interpreter keeps every', regular],
  ]);
  runs(page, 72, 134, [
    ['number in a tagged word and checks its type ', regular],
    ['carefully', italic],
    [' before', regular],
  ]);
  runs(page, 72, 148, [
    ['each operation. The details are on ', regular],
    ['the project site', regular, BLUE],
    [' for readers.', regular],
  ]);
  const linkStart = 72 + regular.widthOfTextAtSize('each operation. The details are on ', 11);
  const linkEnd = linkStart + regular.widthOfTextAtSize('the project site', 11);
  const link = doc.context.obj({
    Type: 'Annot',
    Subtype: 'Link',
    Rect: [linkStart, HEIGHT - 151, linkEnd, HEIGHT - 139],
    Border: [0, 0, 0],
    A: { Type: 'Action', S: 'URI', URI: PDFString.of('https://example.com/docs') },
  });
  page.node.set(PDFName.of('Annots'), doc.context.obj([doc.context.register(link)]));

  page.drawRectangle({
    x: 60,
    y: HEIGHT - 250,
    width: 300,
    height: 40,
    color: rgb(0.15, 0.15, 0.2),
  });
  page.drawText('White words on a dark banner', {
    x: 72,
    y: HEIGHT - 236,
    size: 14,
    font: bold,
    color: rgb(1, 1, 1),
  });

  page.drawText('Hidden words written white on white', {
    x: 72,
    y: HEIGHT - 320,
    size: 12,
    font: regular,
    color: rgb(1, 1, 1),
  });
  page.pushOperators(setTextRenderingMode(TextRenderingMode.Invisible));
  page.drawText('Invisible layer words of an old scan', {
    x: 72,
    y: HEIGHT - 350,
    size: 12,
    font: regular,
  });
  page.pushOperators(setTextRenderingMode(TextRenderingMode.Fill));
  page.pushOperators(pushGraphicsState(), rectangle(0, 0, 20, 20), closePath(), clip(), endPath());
  page.drawText('Clipped words nobody can see', {
    x: 72,
    y: HEIGHT - 380,
    size: 12,
    font: regular,
  });
  page.pushOperators(popGraphicsState());

  page.drawText('Sideways label along the margin', {
    x: 560,
    y: 300,
    size: 12,
    font: regular,
    rotate: degrees(90),
  });
  page.drawText('Slanted axis label text', {
    x: 120,
    y: 250,
    size: 12,
    font: regular,
    rotate: degrees(30),
  });
  return doc.save();
}

/** A PNG of one grey, drawn by hand (no image library needed). */
function greyPng(width: number, height: number, level: number): Uint8Array {
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 0, 0, 0, 0], 8);
  const rows = Buffer.alloc((width + 1) * height, level);
  for (let y = 0; y < height; y++) rows[y * (width + 1)] = 0;
  return new Uint8Array(
    Buffer.concat([
      Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
      chunk('IHDR', header),
      chunk('IDAT', deflateSync(rows)),
      chunk('IEND', Buffer.alloc(0)),
    ]),
  );
}

/** A scan OCR'd elsewhere: one page-sized image, its words in an invisible text layer over it. */
async function layeredScanPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([612, HEIGHT]);
  const image = await doc.embedPng(greyPng(200, 260, 235));
  page.drawImage(image, { x: 0, y: 0, width: 612, height: HEIGHT });
  const font = await doc.embedFont(StandardFonts.Helvetica);
  page.pushOperators(setTextRenderingMode(TextRenderingMode.Invisible));
  page.drawText('Scanned letters read by an earlier recognition pass', {
    x: 72,
    y: HEIGHT - 100,
    size: 14,
    font,
  });
  page.drawText('and a second line of the same paragraph of text', {
    x: 72,
    y: HEIGHT - 118,
    size: 14,
    font,
  });
  return doc.save();
}

function spans(layout: LayoutDocument): Span[] {
  return layout.pages.flatMap((p) => p.blocks.flatMap((b) => b.lines.flatMap((l) => l.spans)));
}

function spanWith(all: Span[], words: string): Span {
  const found = all.find((s) => s.text.includes(words));
  assert.ok(
    found,
    `no span holds ${JSON.stringify(words)}: ${JSON.stringify(all.map((s) => s.text))}`,
  );
  return found;
}

function blockWith(layout: LayoutDocument, words: string): Block {
  const found = layout.pages.flatMap((p) => p.blocks).find((b) => b.text.includes(words));
  assert.ok(found, `no block holds ${JSON.stringify(words)}`);
  return found;
}

function isBlue(hex: string | undefined): boolean {
  const n = parseInt((hex ?? '#000000').slice(1), 16);
  return (n & 255) > 150 && ((n >> 16) & 255) < 80;
}

/** Darkest pixel (0 black - 255 white) in a box given in points from the top-left. */
function darkest(
  gray: ReturnType<typeof renderGray>,
  box: [number, number, number, number],
  dpi: number,
): number {
  const k = dpi / 72;
  let min = 255;
  for (
    let y = Math.max(0, Math.floor(box[1] * k));
    y < Math.min(gray.height, Math.ceil(box[3] * k));
    y++
  ) {
    for (
      let x = Math.max(0, Math.floor(box[0] * k));
      x < Math.min(gray.width, Math.ceil(box[2] * k));
      x++
    )
      min = Math.min(min, gray.pixels[y * gray.width + x]!);
  }
  return min;
}

describe('styles are kept through translation', { skip: tools.skip }, () => {
  let source: Uint8Array;
  let layout: LayoutDocument;
  let output: Uint8Array;
  let out: LayoutDocument;
  let placements: Awaited<ReturnType<typeof renderTranslatedPdf>>['placements'];

  before(async () => {
    source = await stylesPdf();
    layout = (await extractLayout(source, { ocr: 'off' })).document;
    // The pipeline's own steps: segments with style pairs, the pseudo engine, marks back.
    const result = await pseudoTranslatedPdf(source, layout);
    output = result.bytes;
    placements = result.placements;
    out = (await extractLayout(output, { ocr: 'off' })).document;
  });

  test('extraction reads colour, unshown text, links and angles', () => {
    const all = spans(layout);
    assert.ok(
      isBlue(spanWith(all, 'Quarterly').color),
      `heading colour ${spanWith(all, 'Quarterly').color}`,
    );
    const banner = spanWith(all, 'White words');
    assert.equal(banner.color, '#ffffff');
    assert.equal(banner.hidden, undefined, 'white on a dark banner is shown');
    for (const words of ['Hidden words', 'Invisible layer', 'Clipped words'])
      assert.equal(spanWith(all, words).hidden, true, words);
    assert.equal(spanWith(all, 'Quarterly').hidden, undefined);
    assert.equal(spanWith(all, 'project site').href, 'https://example.com/docs');
    assert.ok(
      Math.abs(spanWith(all, 'Sideways').angle! - 90) < 1,
      `sideways angle ${spanWith(all, 'Sideways').angle}`,
    );
    assert.ok(
      Math.abs(spanWith(all, 'Slanted').angle! - 30) < 1,
      `slanted angle ${spanWith(all, 'Slanted').angle}`,
    );
    const sideways = blockWith(layout, 'Sideways');
    assert.equal(sideways.angle, 90);
    assert.ok(sideways.frame);
  });

  test('a paragraph marks its run-in bold, its italic word and its link', () => {
    const block = blockWith(layout, 'Representation specialization');
    const marked = (block.marks ?? []).map((m) => ({
      text: block.text.slice(m.start, m.end),
      bold: m.bold,
      italic: m.italic,
      href: m.href,
    }));
    assert.ok(
      marked.some((m) => m.text === 'Representation specialization: numbers.' && m.bold === true),
      JSON.stringify(marked),
    );
    assert.ok(
      marked.some((m) => m.text === 'carefully' && m.italic === true),
      JSON.stringify(marked),
    );
    assert.ok(
      marked.some((m) => m.text === 'the project site' && m.href === 'https://example.com/docs'),
      JSON.stringify(marked),
    );
  });

  test('the translation keeps each run in its colour and its face', () => {
    const all = spans(out);
    const heading = all.filter((s) => s.size > 15);
    assert.ok(heading.length > 0, JSON.stringify(all.map((s) => s.text)));
    assert.ok(
      heading.every((s) => isBlue(s.color)),
      `translated heading colours ${heading.map((s) => s.color).join(',')}`,
    );
    const banner = all.filter((s) => s.color === '#ffffff' && !s.hidden);
    assert.ok(banner.length > 0, 'the banner translation is white and shown');
    const boldRuns = all.filter((s) => s.bold && s.size < 15 && !s.hidden && s.color !== '#ffffff');
    const plainRuns = all.filter(
      (s) => !s.bold && s.size < 15 && !s.hidden && s.angle === undefined,
    );
    assert.ok(
      boldRuns.some((s) => s.text.includes(':') && /ñ/u.test(s.text)),
      `run-in heading set in bold: ${JSON.stringify(boldRuns.map((s) => s.text))}`,
    );
    assert.ok(plainRuns.length > 0, 'the rest of the paragraph is not bold');
    assert.ok(
      all.some((s) => s.italic && /^[çć][àáâãäåā]/u.test(s.text)),
      `italic word kept: ${JSON.stringify(all.filter((s) => s.italic).map((s) => s.text))}`,
    );
    assert.ok(
      all.some((s) => isBlue(s.color) && s.size < 15 && /[ṗṕ][rř][òóôõöø]/u.test(s.text)),
      'the link keeps its blue',
    );
    // The link annotation moved with its words: extraction finds them under it again.
    const linked = all.filter((s) => s.href === 'https://example.com/docs');
    assert.ok(
      linked.length > 0 &&
        linked.every((s) => isBlue(s.color) && /[ṗṕ][rř][òóôõöø]|ś[ìíîïī]ť/u.test(s.text)),
      `linked words: ${JSON.stringify(linked.map((s) => s.text))}`,
    );
  });

  test('text the source does not show stays unshown', () => {
    const hidden = spans(out).filter((s) => s.hidden);
    assert.ok(
      hidden.length >= 3,
      `unshown translations: ${JSON.stringify(hidden.map((s) => s.text))}`,
    );
    const dpi = 72;
    const page = renderGray(output, 1, dpi);
    // Where the three unshown texts were, the translated page is as blank as the source.
    assert.ok(darkest(page, [60, 305, 400, 385], dpi) > 240, 'unshown text was drawn visibly');
    assert.ok(darkest(page, [60, 60, 400, 90], dpi) < 200, 'the heading is drawn');
  });

  test('text at an angle is translated and set at its angle', () => {
    const angled = spans(out).filter((s) => s.angle !== undefined && !s.hidden);
    const sideways = angled.filter((s) => Math.abs(s.angle! - 90) < 1);
    const slanted = angled.filter((s) => Math.abs(s.angle! - 30) < 1);
    assert.ok(
      sideways.some((s) => s.text.includes('⟪') || /[àáâãäåāèéêëēìíîïīòóôõöø]/u.test(s.text)),
      JSON.stringify(sideways.map((s) => s.text)),
    );
    assert.ok(
      slanted.some((s) => /[àáâãäåāèéêëēìíîïīòóôõöø]/u.test(s.text)),
      JSON.stringify(slanted.map((s) => s.text)),
    );
    assert.ok(
      !spans(out).some((s) => s.text.includes('Sideways') || s.text.includes('Slanted')),
      'the source text at an angle is gone',
    );
    // Where its lines are reported (the fidelity report's overlaps read them): on the page,
    // about the source block, not in the frame they were set in.
    const page = layout.pages[0]!;
    for (const block of page.blocks.filter((b) => b.angle !== undefined && b.angle !== 0)) {
      const placed = placements.find((p) => p.blockId === block.id);
      assert.ok(placed, `block ${block.id} at ${block.angle} degrees was set`);
      const [x0, y0, x1, y1] = block.bbox;
      const reach = Math.max(x1 - x0, y1 - y0);
      for (const l of placed.lines)
        assert.ok(
          l[0] >= x0 - reach && l[2] <= x1 + reach && l[1] >= y0 - reach && l[3] <= y1 + reach,
          `a line of block ${block.id} at ${JSON.stringify(l)}, its box ${JSON.stringify(block.bbox)}`,
        );
    }
  });

  test('a scan with an invisible text layer is translated visibly over its image', async () => {
    const scan = await layeredScanPdf();
    const read = (await extractLayout(scan, { ocr: 'off' })).document;
    assert.equal(read.pages[0]!.scanned, true);
    const rendered = await pseudoTranslatedPdf(scan, read);
    const again = spans((await extractLayout(rendered.bytes, { ocr: 'off' })).document);
    assert.ok(
      again.some((s) => s.text.includes('⟪') && !s.hidden),
      'the translation is shown',
    );
    assert.ok(
      !again.some((s) => /Scanned|recognition/u.test(s.text)),
      'the old invisible layer is gone',
    );
    assert.ok(
      darkest(renderGray(rendered.bytes, 1, 72), [60, 80, 500, 125], 72) < 120,
      'the translation is drawn in ink',
    );
  });
});
