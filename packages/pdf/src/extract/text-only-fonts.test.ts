import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { corpusFile, requireCorpus } from '@docat/testing';
import { closeDocument, loadPdfjs, openDocument, useTextOnlyFonts } from './pdfjs.js';

const req = requireCorpus('tracemonkey.pdf', 'standard_fonts.pdf');

afterEach(() => useTextOnlyFonts(false));

interface Read {
  /** Every page's text layer, operator list and the names of its fonts, as JSON. */
  pages: string[];
  /** Glyph outlines pdf.js sent to the main half (`<font>_path_<glyph>`). */
  outlines: number;
}

async function readAll(file: string, glyphOutlines?: boolean): Promise<Read> {
  const pdfjs = await loadPdfjs();
  const doc = await openDocument(new Uint8Array(readFileSync(file)), { glyphOutlines });
  const pages: string[] = [];
  let outlines = 0;
  try {
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const text = await page.getTextContent();
      const ops = await page.getOperatorList();
      const fonts: string[] = [];
      ops.fnArray.forEach((fn, i) => {
        if (fn !== pdfjs.OPS.setFont) return;
        const font = page.commonObjs.get((ops.argsArray[i] as string[])[0]!) as { name: string };
        fonts.push(font.name);
      });
      for (const [id] of page.commonObjs as unknown as Iterable<[string, unknown]>)
        if (id.includes('_path_')) outlines++;
      const json = JSON.stringify({ text, fonts, fnArray: ops.fnArray, argsArray: ops.argsArray });
      // Font ids hold the document's number in this process (g_d0_f1, g_d1_f1): left out.
      pages.push(json.replace(/g_d\d+_/g, 'g_d_'));
      page.cleanup();
    }
  } finally {
    await closeDocument(doc);
  }
  return { pages, outlines };
}

test(
  'without glyph outlines pdf.js gives the same text layer, operator list and font names, and builds no outline',
  { skip: req.skip, timeout: 60_000 },
  async () => {
    for (const name of ['tracemonkey.pdf', 'standard_fonts.pdf']) {
      const drawable = await readAll(corpusFile(name));
      assert.ok(drawable.outlines > 0, `${name}: pdf.js in Node builds outlines by default`);
      useTextOnlyFonts();
      const textOnly = await readAll(corpusFile(name));
      assert.equal(textOnly.outlines, 0, name);
      assert.equal(textOnly.pages.length, drawable.pages.length);
      textOnly.pages.forEach((page, i) =>
        assert.ok(page === drawable.pages[i], `${name}, page ${i + 1}`),
      );
      // A document that will be drawn asks for them.
      assert.ok((await readAll(corpusFile(name), true)).outlines > 0, name);
      useTextOnlyFonts(false);
    }
  },
);
