// Render benchmark: translated PDF time per page and output size against the input.
// Run with `npm run bench:render -w @docat/pdf` after building.
import { readFileSync } from 'node:fs';
import { PDFDict, PDFDocument, PDFName, PDFRawStream, PDFStream } from 'pdf-lib';
import { corpusFile, requireCorpus } from '@docat/testing';
import { pseudoTranslate } from '@docat/translate';
import { extractLayout, FontLibrary, renderDualPdf, renderTranslatedPdf } from '../dist/index.js';
import { translateBlocks } from '../dist/render/render-fixtures.test-support.js';

const DOCUMENTS = [
  'tracemonkey.pdf',
  'TAMReview.pdf',
  'issue16538.pdf',
  'prefilled_f1040.pdf',
  'pdfjs_wikipedia.pdf',
];
const TARGETS = ['de', 'ja', 'ar'];
/** Output may be this many times the input, plus the embedded font subsets. */
const SIZE_FACTOR = 1.5;

const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;

/** Bytes of the embedded font programs of the named fonts (the renderer's subsets). */
async function fontBytes(pdf: Uint8Array, names: Set<string>): Promise<number> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  let total = 0;
  for (const [, object] of doc.context.enumerateIndirectObjects()) {
    if (!(object instanceof PDFDict) || object instanceof PDFStream) continue;
    if (object.get(PDFName.of('Type')) !== PDFName.of('FontDescriptor')) continue;
    const fontName = object.get(PDFName.of('FontName'));
    if (!(fontName instanceof PDFName) || !names.has(fontName.decodeText())) continue;
    const file =
      object.lookup(PDFName.of('FontFile2')) ??
      object.lookup(PDFName.of('FontFile3')) ??
      object.lookup(PDFName.of('FontFile'));
    if (file instanceof PDFRawStream) total += file.contents.length;
  }
  return total;
}

const library = new FontLibrary();
const header = [
  'document',
  'target',
  'pages',
  'ms/page',
  'input',
  'output',
  'fonts',
  'out/in',
  '(out-fonts)/in',
  'dual',
  `<= ${SIZE_FACTOR}x in + fonts`,
];
const rows: string[][] = [];
for (const name of DOCUMENTS) {
  if (!requireCorpus(name).ok) {
    console.log(`${name}: not in the corpus, skipped`);
    continue;
  }
  const source = new Uint8Array(readFileSync(corpusFile(name)));
  const { document: layout } = await extractLayout(source.slice(), { ocr: 'off' });
  const pages = layout.pages.map((p) => p.number);
  for (const target of TARGETS) {
    const translations = translateBlocks(layout, pages, (s) => pseudoTranslate(s, target));
    const t0 = performance.now();
    const result = await renderTranslatedPdf(source, layout, translations, {
      targetLanguage: target,
      fonts: library,
    });
    const ms = performance.now() - t0;
    const dual = await renderDualPdf(source, result.bytes, { mode: 'side' });
    const fonts = await fontBytes(result.bytes, new Set(result.stats.fonts.map((f) => f.name)));
    const out = result.bytes.length;
    rows.push([
      name,
      target,
      String(pages.length),
      (ms / pages.length).toFixed(0),
      kb(source.length),
      kb(out),
      kb(fonts),
      (out / source.length).toFixed(2),
      ((out - fonts) / source.length).toFixed(2),
      kb(dual.length),
      out <= SIZE_FACTOR * source.length + fonts ? 'yes' : 'NO',
    ]);
  }
}
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) =>
  cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
