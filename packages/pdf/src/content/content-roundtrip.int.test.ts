import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { corpusDir, corpusFile, requireAll, requireCorpus, requireTools } from '@docat/testing';
import { PDFName, PDFStream } from 'pdf-lib';
import { serializeContent } from './content-serializer.js';
import { parseContent } from './content-tokenizer.js';
import { pageContentBytes } from './page-interpreter.js';
import { openPdf, savePdf, type PdfFile } from './pdf-file.js';
import { renderGray } from './poppler.test-support.js';
import { decodeStreamData } from './stream-data.js';

const DPI = 50;

/** Rewrites every page content and every form XObject from parsed operations only. */
function roundTripContent(file: PdfFile): { streams: number } {
  const context = file.doc.context;
  let streams = 0;
  for (const [ref, obj] of context.enumerateIndirectObjects()) {
    if (!(obj instanceof PDFStream)) continue;
    if (obj.dict.lookup(PDFName.of('Subtype')) !== PDFName.of('Form')) continue;
    const ops = parseContent(decodeStreamData(context, obj));
    const replacement = context.flateStream(serializeContent(ops));
    for (const [k, v] of obj.dict.entries()) {
      if (!['Length', 'Filter', 'DecodeParms', 'DL'].includes(k.decodeText()))
        replacement.dict.set(k, v);
    }
    context.assign(ref, replacement);
    streams++;
  }
  for (let p = 0; p < file.pageCount; p++) {
    const ops = parseContent(pageContentBytes(file, p));
    file.doc
      .getPage(p)
      .node.set(
        PDFName.of('Contents'),
        context.register(context.flateStream(serializeContent(ops))),
      );
    streams++;
  }
  return { streams };
}

describe('content round trip renders pixel-identical', () => {
  const req = requireAll(requireCorpus('tracemonkey.pdf'), requireTools('pdftoppm'));
  const names = req.ok
    ? readdirSync(corpusDir())
        .filter((n) => n.endsWith('.pdf'))
        .sort()
    : [];
  const totals = { files: 0, pages: 0, streams: 0 };
  for (const name of names) {
    test(name, { skip: req.skip }, async (t) => {
      const bytes = new Uint8Array(readFileSync(corpusFile(name)));
      let file: PdfFile;
      try {
        file = await openPdf(bytes, { respectPermissions: false });
      } catch (err) {
        t.diagnostic(`not parsable: ${(err as Error).message}`);
        return;
      }
      let before;
      try {
        before = renderGray(bytes, DPI);
      } catch {
        t.diagnostic('poppler cannot render the original: no reference');
        return;
      }
      const { streams } = roundTripContent(file);
      const out = await savePdf(file);
      const after = renderGray(out, DPI);
      assert.equal(after.length, before.length, 'page count');
      before.forEach((img, i) => {
        const other = after[i]!;
        assert.equal(other.width, img.width);
        assert.equal(other.height, img.height);
        let differing = 0;
        for (let k = 0; k < img.pixels.length; k++)
          if (img.pixels[k] !== other.pixels[k]) differing++;
        assert.equal(differing, 0, `page ${i + 1}: ${differing} pixels differ`);
      });
      totals.files++;
      totals.pages += before.length;
      totals.streams += streams;
    });
  }
  test('summary', { skip: req.skip }, () => {
    console.log(
      `round trip: ${totals.files} files, ${totals.pages} pages, ${totals.streams} content streams identical`,
    );
    assert.ok(totals.files >= 10, `only ${totals.files} files round-tripped`);
  });
});
