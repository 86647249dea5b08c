import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { BBox, LayoutDocument } from '@docat/contracts';
import { corpusFile, requireAll, requireCorpus, requireTools } from '@docat/testing';
import { pseudoTranslate } from '@docat/translate';
import { extractLayout } from '../extract/index.js';
import { FontLibrary } from '../fonts/font-library.js';
import { renderDualPdf } from './render-dual.js';
import { renderTranslatedPdf, type RenderTranslatedResult } from './render-translated.js';
import {
  auditGlyphs,
  blocksOf,
  fonts,
  imageCount,
  pageText,
  pageWords,
  renderGray,
  squash,
  unchangedInkShare,
} from './render-checks.test-support.js';
import { REAL_SENTENCES, sentenceFor, TARGETS, translateBlocks } from './render-fixtures.test-support.js';

const MATRIX = process.env.DOCAT_PDF_MATRIX === '1';
const DPI = 50;
const tools = requireTools('pdftotext', 'pdffonts', 'pdfimages', 'pdftoppm');
const library = new FontLibrary();

interface Doc {
  name: string;
  /** Pages checked in the default run; the matrix checks every page. */
  pages: number[];
  /** Layout taken from the document a scan was made of (its text is pixels). */
  layoutFrom?: string;
}

const DOCS: Doc[] = [
  { name: 'tracemonkey.pdf', pages: [1] },
  { name: 'TAMReview.pdf', pages: [2] },
  { name: 'issue16538.pdf', pages: [1] },
  { name: 'prefilled_f1040.pdf', pages: [1] },
  { name: 'pdfjs_wikipedia.pdf', pages: [1] },
  { name: 'scanned-tracemonkey-p1-2.pdf', pages: [1], layoutFrom: 'tracemonkey.pdf' },
];

const layouts = new Map<string, Promise<LayoutDocument>>();
function layoutOf(name: string, pages: number[], scanned: boolean): Promise<LayoutDocument> {
  const key = `${name}|${pages.join(',')}|${scanned}`;
  let l = layouts.get(key);
  if (!l) {
    l = extractLayout(new Uint8Array(readFileSync(corpusFile(name))), { pages: pages.map((p) => ({ from: p, to: p })), ocr: 'off' }).then((r) => {
      if (scanned) for (const p of r.document.pages) p.scanned = true;
      return r.document;
    });
    layouts.set(key, l);
  }
  return l;
}

function pageCount(name: string): number {
  const m = /\/Type\s*\/Pages[^>]*?\/Count\s+(\d+)/su.exec(readFileSync(corpusFile(name), 'latin1'));
  return m ? Number(m[1]) : 1;
}

interface Figures {
  blocks: number;
  found: number;
  leaked: number;
  overflow: number;
  glyphs: number;
  unmapped: number;
  kept: number;
  keptOf: number;
  ink: number;
}

function grow(b: BBox, d: number): BBox {
  return [b[0] - d, b[1] - d, b[2] + d, b[3] + d];
}
const centreIn = (b: BBox, r: BBox): boolean => (b[0] + b[2]) / 2 >= r[0] && (b[0] + b[2]) / 2 <= r[2] && (b[1] + b[3]) / 2 >= r[1] && (b[1] + b[3]) / 2 <= r[3];

/** Every check of the issue on the given pages of one rendered output. */
async function checkOutput(
  source: Uint8Array,
  layout: LayoutDocument,
  translations: Map<string, string>,
  result: RenderTranslatedResult,
  pages: number[],
  opts: { scanned: boolean },
): Promise<Figures> {
  const out = result.bytes;
  // Opens in pdf.js.
  await extractLayout(out.slice(), { pages: pages.map((p) => ({ from: p, to: p })), ocr: 'off', detail: 'text', documentLevel: false });
  // Opens in poppler; every font embedded.
  // Every font is embedded, but those the source itself left out (standard 14 and the like).
  const sourceUnembedded = new Set(fonts(source).filter((f) => !f.embedded).map((f) => f.name));
  const listed = fonts(out).filter((f) => !sourceUnembedded.has(f.name));
  assert.ok(listed.every((f) => f.embedded), `fonts not embedded: ${listed.filter((f) => !f.embedded).map((f) => f.name).join(', ')}`);
  for (const p of pages) assert.equal(imageCount(out, p), imageCount(source, p), `images on page ${p}`);

  const audit = await auditGlyphs(out, pages);
  assert.equal(audit.notdef, 0, '.notdef drawn');
  assert.equal(audit.unmappedAdvancing, 0, `advancing glyphs without ToUnicode (${audit.unmapped} unmapped in all)`);

  const figures: Figures = { blocks: 0, found: 0, leaked: 0, overflow: result.stats.overflowBlocks, glyphs: audit.glyphs, unmapped: audit.unmapped, kept: 0, keptOf: 0, ink: 1 };
  for (const p of pages) {
    const text = squash(pageText(out, p));
    const blocks = blocksOf(layout, p);
    const translated = blocks.filter((b) => translations.has(b.id));
    for (const b of translated) {
      figures.blocks++;
      if (text.includes(squash(translations.get(b.id)!))) figures.found++;
      if (!opts.scanned) {
        for (const line of b.lines) {
          const src = squash(line.spans.map((s) => s.text).join(' '));
          if (src.length >= 12 && /\p{L}{3}/u.test(src) && text.includes(src)) figures.leaked++;
        }
      }
    }
    // No text outside the page.
    const after = pageWords(out, p);
    for (const w of after.words) {
      assert.ok(w.box[0] >= -0.5 && w.box[1] >= -0.5 && w.box[2] <= after.width + 0.5 && w.box[3] <= after.height + 0.5, `word outside page ${p}: ${w.text}`);
    }
    // Untranslated text at its original position.
    const masks = translated.map((b) => grow(b.bbox, 2));
    if (!opts.scanned) {
      const before = pageWords(source, p);
      for (const w of before.words) {
        if (masks.some((m) => centreIn(w.box, m))) continue;
        figures.keptOf++;
        if (after.words.some((o) => o.text === w.text && o.box.every((v, i) => Math.abs(v - w.box[i]!) <= 1))) figures.kept++;
      }
    }
    // Outside the translated blocks the page renders as before.
    const diff = unchangedInkShare(renderGray(source, p, DPI), renderGray(out, p, DPI), DPI, translated.map((b) => b.bbox), 2);
    figures.ink = Math.min(figures.ink, diff.share);
  }
  assert.ok(figures.found >= 0.98 * figures.blocks, `translations found: ${figures.found}/${figures.blocks}`);
  assert.equal(figures.leaked, 0, 'source text of translated blocks still extractable');
  assert.ok(figures.keptOf === 0 || figures.kept >= 0.99 * figures.keptOf, `untranslated words in place: ${figures.kept}/${figures.keptOf}`);
  assert.ok(figures.ink >= 0.99, `ink outside translated blocks unchanged: ${(figures.ink * 100).toFixed(2)}%`);
  return figures;
}

function describeFigures(f: Figures, ms: number): string {
  return `blocks ${f.found}/${f.blocks} found, ${f.overflow} overflow, ${f.glyphs} glyphs (${f.unmapped} shaper pieces unmapped), untranslated words in place ${f.kept}/${f.keptOf}, ink kept ${(f.ink * 100).toFixed(2)}%, ${ms} ms`;
}

async function renderAndCheck(doc: Doc, target: string, pages: number[], translate: (text: string) => string): Promise<string> {
  const source = new Uint8Array(readFileSync(corpusFile(doc.name)));
  const layout = await layoutOf(doc.layoutFrom ?? doc.name, pages, doc.layoutFrom !== undefined);
  const translations = translateBlocks(layout, pages, translate);
  const t0 = Date.now();
  const result = await renderTranslatedPdf(source, layout, translations, { targetLanguage: target, fonts: library });
  const ms = Date.now() - t0;
  assert.equal(result.warnings.filter((w) => w.kind === 'overflow').length, result.stats.overflowBlocks);
  assert.equal(result.stats.missingChars, 0, `characters without a font: ${result.warnings.map((w) => w.message).join('; ')}`);
  const figures = await checkOutput(source, layout, translations, result, pages, { scanned: doc.layoutFrom !== undefined });
  return describeFigures(figures, ms);
}

describe('translated PDF (pseudo engine)', () => {
  const tracemonkey = DOCS[0]!;
  for (const target of ['de', 'ja', 'ar']) {
    const req = requireAll(tools, requireCorpus(tracemonkey.name));
    const pages = MATRIX ? Array.from({ length: 14 }, (_, i) => i + 1) : [1, 2, 3, 4];
    test(`tracemonkey.pdf -> ${target}, pages ${pages[0]}-${pages[pages.length - 1]}`, { skip: req.skip }, async (t) => {
      t.diagnostic(await renderAndCheck(tracemonkey, target, pages, (s) => pseudoTranslate(s, target)));
    });
  }
  for (const doc of DOCS) {
    const req = requireAll(tools, requireCorpus(doc.name, ...(doc.layoutFrom ? [doc.layoutFrom] : [])));
    for (const target of TARGETS) {
      const pages = MATRIX && !doc.layoutFrom ? Array.from({ length: req.ok ? pageCount(doc.name) : 0 }, (_, i) => i + 1) : doc.pages;
      test(`${doc.name} -> ${target}, page${pages.length > 1 ? 's' : ''} ${pages.join(',')}`, { skip: req.skip }, async (t) => {
        t.diagnostic(await renderAndCheck(doc, target, pages, (s) => pseudoTranslate(s, target)));
      });
    }
  }
});

describe('translated PDF (real sentences)', () => {
  const req = requireAll(tools, requireCorpus('tracemonkey.pdf'));
  for (const target of TARGETS) {
    test(`tracemonkey.pdf page 1 in real ${target}`, { skip: req.skip }, async (t) => {
      const sentence = REAL_SENTENCES[target];
      t.diagnostic(await renderAndCheck(DOCS[0]!, target, [1], (s) => sentenceFor(s, sentence)));
    });
  }
});

describe('bilingual PDF', () => {
  const req = requireAll(tools, requireCorpus('tracemonkey.pdf', 'prefilled_f1040.pdf'));
  test('side by side: wide pages, original half identical to the source page', { skip: req.skip }, async () => {
    const doc = DOCS[0]!;
    const source = new Uint8Array(readFileSync(corpusFile(doc.name)));
    const layout = await layoutOf(doc.name, [1], false);
    const translated = await renderTranslatedPdf(source, layout, translateBlocks(layout, [1], (s) => pseudoTranslate(s, 'ja')), { targetLanguage: 'ja', fonts: library });
    const dual = await renderDualPdf(source, translated.bytes, { mode: 'side' });
    const words = pageWords(dual, 1);
    assert.equal(words.width, 1224);
    assert.equal(words.height, 792);
    assert.equal(pageCount14(dual), 14);
    const left = renderGray(source, 1, DPI);
    const both = renderGray(dual, 1, DPI);
    let differing = 0;
    for (let y = 0; y < left.height; y++) {
      for (let x = 0; x < left.width; x++) if (left.pixels[y * left.width + x] !== both.pixels[y * both.width + x]) differing++;
    }
    assert.equal(differing, 0, 'original side differs from the source page');
    assert.ok(squash(pageText(dual, 1)).includes(squash(pseudoTranslate(layout.pages[0]!.blocks[0]!.text, 'ja'))));
  });

  test('alternating pages, and form values shown on both sides', { skip: req.skip }, async () => {
    const source = new Uint8Array(readFileSync(corpusFile('prefilled_f1040.pdf')));
    const layout = await layoutOf('prefilled_f1040.pdf', [1], false);
    const translated = await renderTranslatedPdf(source, layout, translateBlocks(layout, [1], (s) => pseudoTranslate(s, 'de')), { targetLanguage: 'de', fonts: library });
    const alternate = await renderDualPdf(source, translated.bytes, { mode: 'alternate' });
    assert.equal(pageCount14(alternate), 4);
    const side = await renderDualPdf(source, translated.bytes, { mode: 'side' });
    assert.equal(pageCount14(side), 2);
    const field = layout.pages[0]!.blocks.find((b) => b.type === 'form_field' && (b.field?.value.length ?? 0) >= 4);
    assert.ok(field, 'the form has a filled field');
    const text = pageText(side, 1);
    const occurrences = text.split(field.field!.value).length - 1;
    assert.ok(occurrences >= 2, `field value "${field.field!.value}" shown on both sides (${occurrences})`);
  });
});

function pageCount14(pdf: Uint8Array): number {
  return Number(/\/Type\s*\/Pages[^>]*?\/Count\s+(\d+)/su.exec(Buffer.from(pdf).toString('latin1'))?.[1] ?? 0);
}
