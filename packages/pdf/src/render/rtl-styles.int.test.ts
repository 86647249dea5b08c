import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
} from 'pdf-lib';
import type { InlineMark, LayoutDocument, Span } from '@docat/contracts';
import { requireTools } from '@docat/testing';
import { extractLayout } from '../extract/index.js';
import { FontLibrary } from '../fonts/font-library.js';
import { renderTranslatedPdf, type RenderText } from './render-translated.js';
import { pageWords, squash, type Word } from './render-checks.test-support.js';

const tools = requireTools('pdftotext', 'pdftoppm');
const HEIGHT = 792;
const LINK = 'https://example.com/docat';

/** One English line with a link over its last words, the paragraph the translations replace. */
async function sourcePdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([612, HEIGHT]);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const before = 'The report by John Smith lists 250 new items (see ';
  const linked = 'the project site';
  page.drawText(before, { x: 72, y: HEIGHT - 100, size: 12, font });
  const x = 72 + font.widthOfTextAtSize(before, 12);
  page.drawText(linked, { x, y: HEIGHT - 100, size: 12, font, color: rgb(0.1, 0.3, 0.8) });
  page.drawText(') today.', {
    x: x + font.widthOfTextAtSize(linked, 12),
    y: HEIGHT - 100,
    size: 12,
    font,
  });
  const link = doc.context.obj({
    Type: 'Annot',
    Subtype: 'Link',
    Rect: [x, HEIGHT - 103, x + font.widthOfTextAtSize(linked, 12), HEIGHT - 91],
    Border: [0, 0, 0],
    A: { Type: 'Action', S: 'URI', URI: PDFString.of(LINK) },
  });
  page.node.set(PDFName.of('Annots'), doc.context.obj([doc.context.register(link)]));
  return doc.save();
}

interface Case {
  language: 'ar' | 'he';
  /** The translation, in logical order. */
  text: string;
  /** Words set in bold (a stretch that starts inside the Latin name and ends in the script). */
  bold: string;
  /**
   * Words under the link, in blue: the script's word for "site" and a Latin name (in
   * Arabic only its first word, so the link stands in two places: "Pro" between them).
   */
  linked: string;
  /** The translation's words as they must stand on the line, left to right. */
  visual: string[];
  boldWords: string[];
  plainWords: string[];
}

const CASES: Case[] = [
  {
    language: 'ar',
    text: 'يذكر تقرير John Smith أن 250 عنصرا جديدا (راجع موقع Docat Pro) اليوم.',
    bold: 'Smith أن',
    linked: 'موقع Docat',
    visual: [
      'اليوم',
      'Docat',
      'Pro',
      'موقع',
      'راجع',
      'جديدا',
      'عنصرا',
      '250',
      'أن',
      'John',
      'Smith',
      'تقرير',
      'يذكر',
    ],
    boldWords: ['Smith', 'أن'],
    plainWords: ['John', 'Pro', 'تقرير', 'عنصرا'],
  },
  {
    language: 'he',
    text: 'הדוח של John Smith מונה 250 פריטים חדשים (ראו את אתר Docat) היום.',
    bold: 'Smith מונה',
    linked: 'אתר Docat',
    visual: [
      'היום',
      'Docat',
      'אתר',
      'את',
      'ראו',
      'חדשים',
      'פריטים',
      '250',
      'מונה',
      'John',
      'Smith',
      'של',
      'הדוח',
    ],
    boldWords: ['Smith', 'מונה'],
    plainWords: ['John', 'הדוח', 'פריטים'],
  },
];

function marksOf(c: Case): InlineMark[] {
  const bold = c.text.indexOf(c.bold);
  const linked = c.text.indexOf(c.linked);
  assert.ok(bold >= 0 && linked >= 0);
  return [
    { start: bold, end: bold + c.bold.length, bold: true },
    { start: linked, end: linked + c.linked.length, href: LINK, color: '#1a4dcc' },
  ];
}

/** Letters and digits of `s`, NFC: brackets, stops and bidi marks do not count. */
const letters = (s: string): string => squash(s).replace(/[^\p{L}\p{M}\p{N}]/gu, '');

/** A word as it is drawn, left to right: right-to-left words reversed. */
const drawnOrder = (word: string): string =>
  /[\u0590-\u08ff]/u.test(word) ? [...letters(word)].reverse().join('') : letters(word);

/**
 * pdftotext's words left to right, read as the glyphs stand (it gives right-to-left
 * words in that order too, and may cut an Arabic word where its letters do not join).
 */
function lineWords(pdf: Uint8Array): Word[] {
  return pageWords(pdf, 1)
    .words.filter((w) => letters(w.text).length > 0)
    .sort((a, b) => a.box[0] - b.box[0]);
}

/** Where `word` was drawn: the run of pdftotext's words that makes it up, as one box. */
function find(words: readonly Word[], word: string): Word['box'] {
  const want = drawnOrder(word);
  const found: Word['box'][] = [];
  for (let i = 0; i < words.length; i++) {
    let got = '';
    for (let j = i; j < words.length && got.length < want.length; j++) {
      got += letters(words[j]!.text);
      if (got === want) {
        const part = words.slice(i, j + 1).map((w) => w.box);
        found.push([
          Math.min(...part.map((b) => b[0])),
          Math.min(...part.map((b) => b[1])),
          Math.max(...part.map((b) => b[2])),
          Math.max(...part.map((b) => b[3])),
        ]);
      }
    }
  }
  assert.equal(found.length, 1, `${word} once among ${JSON.stringify(words.map((w) => w.text))}`);
  return found[0]!;
}

function spansOf(layout: LayoutDocument): Span[] {
  return layout.pages.flatMap((p) => p.blocks.flatMap((b) => b.lines.flatMap((l) => l.spans)));
}

/** The link annotations of page 1: their targets and rectangles (PDF user space, y up). */
function linkRects(doc: PDFDocument): { href: string; rect: number[] }[] {
  const annots = doc.getPage(0).node.lookup(PDFName.of('Annots'));
  if (!(annots instanceof PDFArray)) return [];
  return annots.asArray().flatMap((ref) => {
    const a = doc.context.lookup(ref);
    if (!(a instanceof PDFDict)) return [];
    const action = a.lookup(PDFName.of('A'));
    const uri = action instanceof PDFDict ? action.lookup(PDFName.of('URI')) : undefined;
    const rect = a.lookup(PDFName.of('Rect'));
    if (!(uri instanceof PDFString) || !(rect instanceof PDFArray)) return [];
    return [
      {
        href: uri.decodeText(),
        rect: rect.asArray().map((v) => (v instanceof PDFNumber ? v.asNumber() : NaN)),
      },
    ];
  });
}

const DPI = 144;

interface Rgb {
  width: number;
  height: number;
  data: Buffer;
}

/** Page 1 drawn by pdftoppm in colour (a binary PPM). */
function renderRgb(pdf: Uint8Array, dpi: number): Rgb {
  const dir = mkdtempSync(join(tmpdir(), 'docat-rtl-'));
  try {
    writeFileSync(join(dir, 'in.pdf'), pdf);
    execFileSync('pdftoppm', ['-r', String(dpi), '-f', '1', '-l', '1', 'in.pdf', 'page'], {
      cwd: dir,
    });
    const file = readdirSync(dir).find((f) => f.endsWith('.ppm'));
    assert.ok(file, 'pdftoppm drew the page');
    const ppm = readFileSync(join(dir, file));
    const header = /^P6\s+(\d+)\s+(\d+)\s+255\s/u.exec(ppm.subarray(0, 40).toString('latin1'));
    assert.ok(header, 'a binary PPM');
    return {
      width: Number(header[1]),
      height: Number(header[2]),
      data: ppm.subarray(header[0].length),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Share of the ink pixels in a box (points, top-left origin) that are blue. */
function blueShare(page: Rgb, box: Word['box']): number {
  const k = DPI / 72;
  let ink = 0;
  let blue = 0;
  for (let y = Math.floor(box[1] * k); y < Math.min(page.height, Math.ceil(box[3] * k)); y++)
    for (let x = Math.floor(box[0] * k); x < Math.min(page.width, Math.ceil(box[2] * k)); x++) {
      const i = (y * page.width + x) * 3;
      const [r, g, b] = [page.data[i]!, page.data[i + 1]!, page.data[i + 2]!];
      if (Math.min(r, g, b) > 160) continue;
      ink++;
      if (b - r > 60) blue++;
    }
  assert.ok(ink > 0, `ink in ${JSON.stringify(box)}`);
  return blue / ink;
}

describe('inline styles of right-to-left translations', { skip: tools.skip }, () => {
  let source: Uint8Array;
  let layout: LayoutDocument;
  before(async () => {
    source = await sourcePdf();
    layout = (await extractLayout(source, { ocr: 'off' })).document;
  });

  for (const c of CASES) {
    describe(c.language, () => {
      let output: Uint8Array;
      let words: Word[];
      before(async () => {
        const block = layout.pages[0]!.blocks.find((b) => b.text.includes('John Smith'));
        assert.ok(block, JSON.stringify(layout.pages[0]!.blocks.map((b) => b.text)));
        const translations = new Map<string, RenderText>([
          [block.id, { text: c.text, marks: marksOf(c) }],
        ]);
        const result = await renderTranslatedPdf(source, layout, translations, {
          targetLanguage: c.language,
          fonts: new FontLibrary(),
        });
        assert.equal(result.stats.missingChars, 0);
        output = result.bytes;
        words = lineWords(output);
      });

      test('the words stand on one line in the visual order of the sentence', () => {
        // The whole line, glyph by glyph, left to right.
        assert.equal(words.map((w) => letters(w.text)).join(''), c.visual.map(drawnOrder).join(''));
        const placed = c.visual.map((w) => find(words, w));
        // One line: the words' boxes (of different heights in Arabic and Latin fonts) share a middle.
        const middle = (b: Word['box']): number => (b[1] + b[3]) / 2;
        for (const b of placed)
          assert.ok(
            Math.abs(middle(b) - middle(placed[0]!)) < 3,
            `one line: ${JSON.stringify(placed)}`,
          );
        for (let i = 1; i < placed.length; i++)
          assert.ok(
            placed[i - 1]![2] <= placed[i]![0] + 0.5,
            `${c.visual[i - 1]} left of ${c.visual[i]}: ${JSON.stringify(placed)}`,
          );
      });

      test('bold words are in the bold face, the rest in the regular face', async () => {
        const spans = spansOf((await extractLayout(output, { ocr: 'off' })).document);
        const spanOf = (word: string): Span => {
          const found = spans.find((s) => letters(s.text).includes(letters(word)));
          assert.ok(found, `${word} in ${JSON.stringify(spans.map((s) => s.text))}`);
          return found;
        };
        for (const w of c.boldWords)
          assert.equal(spanOf(w).bold, true, `${w} bold: ${JSON.stringify(spanOf(w))}`);
        for (const w of c.plainWords)
          assert.ok(!spanOf(w).bold, `${w} regular: ${JSON.stringify(spanOf(w))}`);
      });

      test("the link's rectangles cover its words where they now stand, and no other", async () => {
        const doc = await PDFDocument.load(output);
        const rects = linkRects(doc).filter((l) => l.href === LINK);
        const inside = (b: Word['box']): boolean =>
          rects.some(({ rect: [x0, y0, x1, y1] }) => {
            const cx = (b[0] + b[2]) / 2;
            const cy = HEIGHT - (b[1] + b[3]) / 2;
            return cx >= x0! && cx <= x1! && cy >= y0! && cy <= y1!;
          });
        const under = c.visual.filter((w) => inside(find(words, w)));
        assert.deepEqual(new Set(under), new Set(c.linked.split(' ')));
        // Each rectangle holds linked words: none is left where the source had the link.
        for (const { rect } of rects)
          assert.ok(
            c.linked.split(' ').some((w) => {
              const b = find(words, w);
              const cx = (b[0] + b[2]) / 2;
              return cx >= rect[0]! && cx <= rect[2]!;
            }),
            `a link rectangle over no linked word: ${JSON.stringify(rect)}`,
          );
      });

      test('the linked words keep their colour, the others do not take it', () => {
        const page = renderRgb(output, DPI);
        for (const w of c.linked.split(' '))
          assert.ok(blueShare(page, find(words, w)) > 0.6, `${w} blue`);
        for (const w of c.plainWords)
          assert.ok(blueShare(page, find(words, w)) < 0.1, `${w} not blue`);
      });
    });
  }
});

describe(
  'a link the translation wraps onto more lines than the source',
  { skip: tools.skip },
  () => {
    test('gets a rectangle over its words on each line', async () => {
      const source = await sourcePdf();
      const layout = (await extractLayout(source, { ocr: 'off' })).document;
      const block = layout.pages[0]!.blocks.find((b) => b.text.includes('John Smith'))!;
      const linked =
        'Seite alpha bravo charlie delta echo foxtrot golf hotel india juliett kilo lima mike november oscar papa quebec romeo sierra tango uniform victor whiskey';
      const text = `Der Bericht von John Smith nennt 250 neue Dinge (siehe die ${linked}) heute.`;
      const start = text.indexOf(linked);
      const result = await renderTranslatedPdf(
        source,
        layout,
        new Map<string, RenderText>([
          [
            block.id,
            { text, marks: [{ start, end: start + linked.length, href: LINK, color: '#1a4dcc' }] },
          ],
        ]),
        { targetLanguage: 'de', fonts: new FontLibrary() },
      );
      const words = pageWords(result.bytes, 1).words;
      const rects = linkRects(await PDFDocument.load(result.bytes)).filter((l) => l.href === LINK);
      const lines = new Set(words.map((w) => Math.round(w.box[3])));
      assert.ok(lines.size >= 2, `the translation wraps: ${JSON.stringify([...lines])}`);
      assert.ok(rects.length >= 2, JSON.stringify(rects));
      const covered = (w: Word): boolean =>
        rects.some(({ rect: [x0, y0, x1, y1] }) => {
          const cx = (w.box[0] + w.box[2]) / 2;
          const cy = HEIGHT - (w.box[1] + w.box[3]) / 2;
          return cx >= x0! && cx <= x1! && cy >= y0! && cy <= y1!;
        });
      for (const word of words) {
        const inLink = linked.split(' ').includes(word.text.replace(/[()]/gu, ''));
        assert.equal(
          covered(word),
          inLink,
          `${word.text} ${inLink ? 'under' : 'not under'} the link`,
        );
      }
    });
  },
);
