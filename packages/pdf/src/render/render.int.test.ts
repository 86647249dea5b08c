import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { PDFDocument, PDFTextField } from 'pdf-lib';
import { RTL_LANGUAGES, type BBox, type LanguageCode, type LayoutDocument } from '@docat/contracts';
import { corpusFile, requireAll, requireCorpus, requireTools } from '@docat/testing';
import { pseudoTranslate } from '@docat/translate';
import { appendContent, num, openPdf, savePdf } from '../content/index.js';
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
  regionTexts,
  renderGray,
  sameLetters,
  sameText,
  squash,
  unchangedInkShare,
} from './render-checks.test-support.js';
import {
  REAL_SENTENCES,
  sentenceFor,
  TARGETS,
  translateBlocks,
} from './render-fixtures.test-support.js';

const MATRIX = process.env.DOCAT_PDF_MATRIX === '1';
const DPI = 50;
const tools = requireTools('pdftotext', 'pdffonts', 'pdfimages', 'pdftoppm', 'pdfinfo');
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
    l = extractLayout(new Uint8Array(readFileSync(corpusFile(name))), {
      pages: pages.map((p) => ({ from: p, to: p })),
      ocr: 'off',
    }).then((r) => {
      if (scanned) for (const p of r.document.pages) p.scanned = true;
      return r.document;
    });
    layouts.set(key, l);
  }
  return l;
}

function pageCount(name: string): number {
  const m = /^Pages:\s+(\d+)/mu.exec(
    execFileSync('pdfinfo', [corpusFile(name)], { encoding: 'utf8' }),
  );
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
  /** Translated blocks whose box overlaps another's in the layout (compared by letters only). */
  stacked: number;
}

function grow(b: BBox, d: number): BBox {
  return [b[0] - d, b[1] - d, b[2] + d, b[3] + d];
}
/** Area of the intersection of two boxes as a share of the smaller one. */
function overlapShare(a: BBox, b: BBox): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (w <= 0 || h <= 0) return 0;
  const area = (r: BBox): number => Math.max(1e-6, (r[2] - r[0]) * (r[3] - r[1]));
  return (w * h) / Math.min(area(a), area(b));
}
const centreIn = (b: BBox, r: BBox): boolean =>
  (b[0] + b[2]) / 2 >= r[0] &&
  (b[0] + b[2]) / 2 <= r[2] &&
  (b[1] + b[3]) / 2 >= r[1] &&
  (b[1] + b[3]) / 2 <= r[3];

/** Every check of the issue on the given pages of one rendered output. */
async function checkOutput(
  source: Uint8Array,
  layout: LayoutDocument,
  translations: Map<string, string>,
  result: RenderTranslatedResult,
  pages: number[],
  opts: { scanned: boolean; rtl: boolean },
): Promise<Figures> {
  const rtl = opts.rtl;
  const missing: string[] = [];
  const out = result.bytes;
  // Opens in pdf.js.
  await extractLayout(out.slice(), {
    pages: pages.map((p) => ({ from: p, to: p })),
    ocr: 'off',
    detail: 'text',
    documentLevel: false,
  });
  // Opens in poppler; every font embedded.
  // Every font is embedded, but those the source itself left out (standard 14 and the like).
  const sourceUnembedded = new Set(
    fonts(source)
      .filter((f) => !f.embedded)
      .map((f) => f.name),
  );
  const listed = fonts(out).filter((f) => !sourceUnembedded.has(f.name));
  assert.ok(
    listed.every((f) => f.embedded),
    `fonts not embedded: ${listed
      .filter((f) => !f.embedded)
      .map((f) => f.name)
      .join(', ')}`,
  );
  for (const p of pages)
    assert.equal(imageCount(out, p), imageCount(source, p), `images on page ${p}`);

  const audit = await auditGlyphs(out, pages);
  assert.equal(audit.notdef, 0, '.notdef drawn');
  assert.equal(
    audit.unmappedAdvancing,
    0,
    `advancing glyphs without ToUnicode (${audit.unmapped} unmapped in all)`,
  );

  const figures: Figures = {
    blocks: 0,
    found: 0,
    leaked: 0,
    overflow: result.stats.overflowBlocks,
    glyphs: audit.glyphs,
    unmapped: audit.unmapped,
    kept: 0,
    keptOf: 0,
    ink: 1,
    stacked: 0,
  };
  for (const p of pages) {
    const text = squash(pageText(out, p));
    const blocks = blocksOf(layout, p);
    const translated = blocks.filter((b) => translations.has(b.id));
    const found = regionTexts(
      out,
      p,
      translated.map((b) => searchRegion(b, result, p)),
    );
    translated.forEach((b, i) => {
      figures.blocks++;
      const stacked = translated.some((o) => o !== b && overlapShare(o.bbox, b.bbox) > 0.1);
      if (stacked) figures.stacked++;
      if (
        stacked
          ? sameLetters(found[i]!, translations.get(b.id)!)
          : sameText(found[i]!, translations.get(b.id)!, rtl)
      )
        figures.found++;
      else
        missing.push(
          `page ${p} ${b.type} ${b.id}: ${JSON.stringify(translations.get(b.id)!.slice(0, 80))}, found ${JSON.stringify(found[i]!.slice(0, 120))}`,
        );
    });
    for (const b of translated) {
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
      assert.ok(
        w.box[0] >= -0.5 &&
          w.box[1] >= -0.5 &&
          w.box[2] <= after.width + 0.5 &&
          w.box[3] <= after.height + 0.5,
        `word outside page ${p}: ${w.text}`,
      );
    }
    // Untranslated text at its original position.
    const masks = translated.map((b) => grow(b.bbox, 2));
    // Leader dots a longer translation was set over give way to it: they may be gone, there only.
    const setLines = result.placements.filter((pl) => pl.page === p).flatMap((pl) => pl.lines);
    if (!opts.scanned) {
      const before = pageWords(source, p);
      for (const w of before.words) {
        if (masks.some((m) => centreIn(w.box, m))) continue;
        if (
          /^[.·]$/u.test(w.text) &&
          setLines.some((l) => centreIn(w.box, grow(l, 0.5))) &&
          !after.words.some(
            (o) => o.text === w.text && o.box.every((v, i) => Math.abs(v - w.box[i]!) <= 1),
          )
        )
          continue;
        figures.keptOf++;
        if (
          after.words.some(
            (o) => o.text === w.text && o.box.every((v, i) => Math.abs(v - w.box[i]!) <= 1),
          )
        )
          figures.kept++;
      }
    }
    // Outside the translated blocks the page renders as before.
    const diff = unchangedInkShare(
      renderGray(source, p, DPI),
      renderGray(out, p, DPI),
      DPI,
      translated.map((b) => b.bbox),
      2,
    );
    figures.ink = Math.min(figures.ink, diff.share);
  }
  assert.ok(
    figures.found >= 0.98 * figures.blocks,
    `translations found: ${figures.found}/${figures.blocks}; first missing: ${missing[0]}`,
  );
  assert.equal(figures.leaked, 0, 'source text of translated blocks still extractable');
  assert.ok(
    figures.keptOf === 0 || figures.kept >= 0.99 * figures.keptOf,
    `untranslated words in place: ${figures.kept}/${figures.keptOf}`,
  );
  assert.ok(
    figures.ink >= 0.99,
    `ink outside translated blocks unchanged: ${(figures.ink * 100).toFixed(2)}%`,
  );
  return figures;
}

/**
 * Where a block's translation must be found: its box (2 pt margin), and the lines as the
 * renderer reports it set them, which may have grown sideways or down into free space,
 * or run on below the box (an overflow).
 */
function searchRegion(
  block: LayoutDocument['pages'][number]['blocks'][number],
  result: RenderTranslatedResult,
  page: number,
): BBox {
  const r = grow(block.bbox, 2);
  for (const p of result.placements) {
    if (p.page !== page || p.blockId !== block.id) continue;
    for (const l of p.lines) {
      r[0] = Math.min(r[0], l[0] - 2);
      r[1] = Math.min(r[1], l[1] - 2);
      r[2] = Math.max(r[2], l[2] + 2);
      r[3] = Math.max(r[3], l[3] + 2);
    }
  }
  return [Math.max(0, r[0]), Math.max(0, r[1]), r[2], r[3]];
}

function describeFigures(f: Figures, ms: number): string {
  return `blocks ${f.found}/${f.blocks} found (${f.stacked} stacked in the layout), ${f.overflow} overflow, ${f.glyphs} glyphs (${f.unmapped} shaper pieces unmapped), untranslated words in place ${f.kept}/${f.keptOf}, ink kept ${(f.ink * 100).toFixed(2)}%, ${ms} ms`;
}

async function renderAndCheck(
  doc: Doc,
  target: string,
  pages: number[],
  translate: (text: string) => string,
): Promise<string> {
  const source = new Uint8Array(readFileSync(corpusFile(doc.name)));
  const layout = await layoutOf(doc.layoutFrom ?? doc.name, pages, doc.layoutFrom !== undefined);
  const translations = translateBlocks(layout, pages, translate);
  const t0 = Date.now();
  const result = await renderTranslatedPdf(source, layout, translations, {
    targetLanguage: target,
    fonts: library,
  });
  const ms = Date.now() - t0;
  assert.equal(
    result.warnings.filter((w) => w.kind === 'overflow').length,
    result.stats.overflowBlocks,
  );
  assert.equal(
    result.stats.missingChars,
    0,
    `characters without a font: ${result.warnings.map((w) => w.message).join('; ')}`,
  );
  const figures = await checkOutput(source, layout, translations, result, pages, {
    scanned: doc.layoutFrom !== undefined,
    rtl: RTL_LANGUAGES.has(target as LanguageCode),
  });
  return describeFigures(figures, ms);
}

describe('translated PDF (pseudo engine)', () => {
  const tracemonkey = DOCS[0]!;
  for (const target of ['de', 'ja', 'ar']) {
    const req = requireAll(tools, requireCorpus(tracemonkey.name));
    const pages = MATRIX ? Array.from({ length: 14 }, (_, i) => i + 1) : [1, 2];
    test(
      `tracemonkey.pdf -> ${target}, pages ${pages[0]}-${pages[pages.length - 1]}`,
      { skip: req.skip },
      async (t) => {
        t.diagnostic(
          await renderAndCheck(tracemonkey, target, pages, (s) => pseudoTranslate(s, target)),
        );
      },
    );
  }
  for (const doc of DOCS) {
    const req = requireAll(
      tools,
      requireCorpus(doc.name, ...(doc.layoutFrom ? [doc.layoutFrom] : [])),
    );
    for (const target of TARGETS) {
      const pages =
        MATRIX && !doc.layoutFrom
          ? Array.from({ length: req.ok ? pageCount(doc.name) : 0 }, (_, i) => i + 1)
          : doc.pages;
      test(
        `${doc.name} -> ${target}, page${pages.length > 1 ? 's' : ''} ${pages.join(',')}`,
        { skip: req.skip },
        async (t) => {
          t.diagnostic(await renderAndCheck(doc, target, pages, (s) => pseudoTranslate(s, target)));
        },
      );
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

describe('the checks fail on broken output', () => {
  const req = requireAll(tools, requireCorpus('tracemonkey.pdf'));
  test(
    'the untranslated source, and a translation with its page painted over',
    { skip: req.skip },
    async () => {
      const doc = DOCS[0]!;
      const source = new Uint8Array(readFileSync(corpusFile(doc.name)));
      const layout = await layoutOf(doc.name, [1, 2], false);
      const translations = translateBlocks(layout, [1, 2], (s) => pseudoTranslate(s, 'de'));
      const good = await renderTranslatedPdf(source, layout, translations, {
        targetLanguage: 'de',
        fonts: library,
      });
      await assert.rejects(
        checkOutput(source, layout, translations, { ...good, bytes: source }, [1, 2], {
          scanned: false,
          rtl: false,
        }),
        /translations found: 0\//u,
      );
      // A white box over the whole page: text stays extractable, page 2's figure and untranslated text are lost.
      const file = await openPdf(good.bytes);
      appendContent(file, 1, [
        { op: 'rg', operands: [num(1), num(1), num(1)] },
        { op: 're', operands: [num(0), num(0), num(612), num(792)] },
        { op: 'f', operands: [] },
      ]);
      const covered = await savePdf(file);
      await assert.rejects(
        checkOutput(source, layout, translations, { ...good, bytes: covered }, [2], {
          scanned: false,
          rtl: false,
        }),
        /ink outside translated blocks/u,
      );
    },
  );

  test('right-to-left text compares letters in order and the rest as a bag', () => {
    const expected = '⟪صحتمعقع فقز∗+, ضرثفظقش⟫';
    assert.ok(sameText('‫⟪صحتمعقع فقز∗‪ ,+‬ضرثفظقش⟫‬', expected, true));
    assert.ok(
      !sameText('‫⟪ضرثفظقش فقز∗‪ ,+‬صحتمعقع⟫‬', expected, true),
      'words in the wrong order',
    );
    assert.ok(!sameText('‫⟪صحتمعقع فقز∗‪ ,‬ضرثفظقش⟫‬', expected, true), 'a neutral character lost');
    assert.ok(
      !sameText([...'⟪صحتمعقع فقز∗+, ضرثفظقش⟫'].reverse().join(''), expected, true),
      'visual order',
    );
    assert.ok(sameLetters('ab c', 'cab'));
    assert.ok(!sameLetters('ab c', 'cabb'));
  });
});

describe('bilingual PDF', () => {
  const req = requireAll(tools, requireCorpus('tracemonkey.pdf', 'prefilled_f1040.pdf'));
  test(
    'side by side: wide pages, original half identical to the source page',
    { skip: req.skip },
    async () => {
      const doc = DOCS[0]!;
      const source = new Uint8Array(readFileSync(corpusFile(doc.name)));
      const layout = await layoutOf(doc.name, [1], false);
      const translated = await renderTranslatedPdf(
        source,
        layout,
        translateBlocks(layout, [1], (s) => pseudoTranslate(s, 'ja')),
        { targetLanguage: 'ja', fonts: library },
      );
      const dual = await renderDualPdf(source, translated.bytes, { mode: 'side' });
      const words = pageWords(dual, 1);
      assert.equal(words.width, 1224);
      assert.equal(words.height, 792);
      assert.equal(pageCount14(dual), 14);
      const left = renderGray(source, 1, DPI);
      const both = renderGray(dual, 1, DPI);
      let differing = 0;
      for (let y = 0; y < left.height; y++) {
        for (let x = 0; x < left.width; x++)
          if (left.pixels[y * left.width + x] !== both.pixels[y * both.width + x]) differing++;
      }
      assert.equal(differing, 0, 'original side differs from the source page');
      assert.ok(
        squash(pageText(dual, 1)).includes(
          squash(pseudoTranslate(layout.pages[0]!.blocks[0]!.text, 'ja')),
        ),
      );
    },
  );

  test('alternating pages, and form values shown on both sides', { skip: req.skip }, async () => {
    const source = new Uint8Array(readFileSync(corpusFile('prefilled_f1040.pdf')));
    const layout = await layoutOf('prefilled_f1040.pdf', [1], false);
    const translated = await renderTranslatedPdf(
      source,
      layout,
      translateBlocks(layout, [1], (s) => pseudoTranslate(s, 'de')),
      { targetLanguage: 'de', fonts: library },
    );
    const alternate = await renderDualPdf(source, translated.bytes, { mode: 'alternate' });
    assert.equal(pageCount14(alternate), 4);
    const side = await renderDualPdf(source, translated.bytes, { mode: 'side' });
    assert.equal(pageCount14(side), 2);
    // The values come from the form itself: the layout reads the page, not the form.
    const form = (await PDFDocument.load(source)).getForm();
    const values = form
      .getFields()
      .filter((f) => f instanceof PDFTextField)
      .map((f) => (f as PDFTextField).getText() ?? '')
      .filter((v) => /\p{L}{4}/u.test(v) && !/\s/u.test(v));
    assert.ok(values.length > 0, 'the form has filled text fields');
    // Flattened into the page content, each value is text on both halves of its page.
    const text = pageText(side, 1) + pageText(side, 2);
    const shown = values.filter((v) => text.split(v).length - 1 >= 2);
    assert.equal(
      shown.length,
      values.length,
      `field values shown on both sides: ${shown.length}/${values.length}`,
    );
  });
});

describe('a page range', () => {
  const req = requireAll(tools, requireCorpus('prefilled_f1040.pdf'));
  test(
    'the translated PDF holds only the selected pages, their form fields, and sheds what only the others used',
    { skip: req.skip },
    async () => {
      const source = new Uint8Array(readFileSync(corpusFile('prefilled_f1040.pdf')));
      const layout = await layoutOf('prefilled_f1040.pdf', [2], false);
      const translations = translateBlocks(layout, [2], (s) => pseudoTranslate(s, 'de'));
      const whole = await renderTranslatedPdf(source, layout, translations, {
        targetLanguage: 'de',
        fonts: library,
      });
      const part = await renderTranslatedPdf(source, layout, translations, {
        targetLanguage: 'de',
        fonts: library,
        pages: [2],
      });
      assert.equal((await PDFDocument.load(part.bytes)).getPageCount(), 1);
      assert.equal(squash(pageText(part.bytes, 1)), squash(pageText(whole.bytes, 2)));
      const page2Fields = (await PDFDocument.load(source))
        .getForm()
        .getFields()
        .filter((f) => f.getName().includes('.Page2[')).length;
      const fields = (await PDFDocument.load(part.bytes)).getForm().getFields();
      assert.ok(page2Fields > 100);
      assert.equal(fields.length, page2Fields, 'the fields of page 2 stay');
      assert.ok(
        fields.every((f) => f.getName().includes('.Page2[')),
        'no field of page 1 is left',
      );
      assert.ok(
        part.bytes.length < whole.bytes.length * 0.8,
        `${part.bytes.length} bytes for one page of ${whole.bytes.length}`,
      );
      const dual = await renderDualPdf(source, part.bytes, { mode: 'side', sourcePages: [2] });
      assert.equal((await PDFDocument.load(dual)).getPageCount(), 1);
      assert.ok(
        pageText(dual, 1).includes('foobar'),
        'the left half is source page 2, with its form value',
      );
    },
  );
});

function pageCount14(pdf: Uint8Array): number {
  return Number(
    /\/Type\s*\/Pages[^>]*?\/Count\s+(\d+)/su.exec(Buffer.from(pdf).toString('latin1'))?.[1] ?? 0,
  );
}

describe('blocks that keep clear of their neighbours', () => {
  const req = requireAll(tools, requireCorpus('prefilled_f1040.pdf', 'TAMReview.pdf'));

  test(
    'a form label takes the room of a leader read as blocks of dots; a label of three lines stays above the one below it',
    { skip: req.skip },
    async () => {
      const source = new Uint8Array(readFileSync(corpusFile('prefilled_f1040.pdf')));
      const layout = await layoutOf('prefilled_f1040.pdf', [1], false);
      const translations = translateBlocks(layout, [1], (t) => pseudoTranslate(t, 'de'));
      const result = await renderTranslatedPdf(source, layout, translations, {
        targetLanguage: 'de',
        fonts: library,
      });
      const blocks = layout.pages[0]!.blocks;
      const placed = (text: RegExp) => {
        const block = blocks.find((b) => text.test(b.text));
        assert.ok(block, `no block ${text}`);
        const p = result.placements.find((x) => x.blockId === block.id && x.cell === undefined);
        assert.ok(p, `${block.id} not set`);
        return p;
      };
      // Line 8b: the dots between the label and the field, 12 points apart, each a block.
      const taxExempt = placed(/^Tax-exempt interest\. Do not include on line 8a/u);
      assert.ok(
        taxExempt.size / taxExempt.sourceSize >= 0.8,
        `set at ${(taxExempt.size / taxExempt.sourceSize).toFixed(2)} of its size`,
      );
      assert.ok(Math.max(...taxExempt.lines.map((l) => l[2])) > taxExempt.box[2] + 10);
      // The box of "• did not live with you due to divorce or separation" reaches 1.2 points
      // into the one of "(see instructions)" under it; its last line stays above that line.
      const above = placed(/^• did not live with you/u);
      const below = placed(/^\(see instructions\)$/u);
      const foot = Math.max(...above.lines.map((l) => l[3]));
      const top = Math.min(...below.lines.map((l) => l[1]));
      // Line boxes run from ascender to descender (a size high): a third of the smaller
      // size is what the fidelity report counts as text set over text.
      assert.ok(
        foot - top < Math.min(above.size, below.size) / 3,
        `last line's foot ${foot.toFixed(1)}, next line's top ${top.toFixed(1)}`,
      );
    },
  );

  test(
    'a diagram label OCR read with its box as its row is set at the size of its words',
    { skip: req.skip },
    async () => {
      const source = new Uint8Array(readFileSync(corpusFile('TAMReview.pdf')));
      const layout = (await extractLayout(source, { pages: [{ from: 15, to: 15 }], ocr: 'auto' }))
        .document;
      const page = layout.pages.find((p) => p.number === 15)!;
      const table = page.blocks.find((b) => b.cells?.some((c) => c.text === 'Subjective'));
      assert.ok(table, 'the diagram read as a table, "Subjective" one of its cells');
      const cell = table.cells!.findIndex((c) => c.text === 'Subjective');
      const source17 = table.lines.find((l) => l.spans.some((s) => s.text === 'Subjective'))!;
      assert.ok(source17.spans[0]!.size > 15, 'OCR gave the row of the box as its size');
      const translations = new Map<string, string>([
        [`${table.id}#${cell}`, pseudoTranslate('Subjective', 'de')],
      ]);
      const result = await renderTranslatedPdf(source, layout, translations, {
        targetLanguage: 'de',
        fonts: library,
      });
      const p = result.placements.find((x) => x.blockId === table.id && x.cell === cell)!;
      assert.ok(p.sourceSize < 10, `source size ${p.sourceSize}`);
      const right = Math.max(...p.lines.map((l) => l[2]));
      assert.ok(right < table.cells![cell]!.bbox[2] + 20, `set to ${right.toFixed(1)}`);
    },
  );
});
