import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { corpusFile, requireAll, requireCorpus, requireTools } from '@docat/testing';
import type { Box } from './content-types.js';
import { interpretPage } from './page-interpreter.js';
import { openPdf } from './pdf-file.js';
import { pdftotextBBox } from './poppler.test-support.js';

/** Word counts of `pdftotext -bbox-layout` (poppler 22-25 with poppler-data) on these files. */
const EXPECTED_WORDS: Record<string, number> = {
  'tracemonkey.pdf': 13581,
  'TAMReview.pdf': 6069,
  'issue16538.pdf': 89,
  'standard_fonts.pdf': 3364,
};
const TOLERANCE = 1;

function inside(word: Box, box: Box): boolean {
  return (
    word[0] >= box[0] - TOLERANCE &&
    word[1] >= box[1] - TOLERANCE &&
    word[2] <= box[2] + TOLERANCE &&
    word[3] <= box[3] + TOLERANCE
  );
}

describe('glyph-run boxes agree with pdftotext word boxes', () => {
  for (const [name, expected] of Object.entries(EXPECTED_WORDS)) {
    const req = requireAll(requireCorpus(name), requireTools('pdftotext'));
    test(name, { skip: req.skip }, async () => {
      const bytes = new Uint8Array(readFileSync(corpusFile(name)));
      const reference = pdftotextBBox(bytes);
      assert.equal(reference.words.length, expected, 'reference word count');
      const file = await openPdf(bytes);
      let matched = 0;
      let single = 0;
      const misses: string[] = [];
      for (let p = 0; p < file.pageCount; p++) {
        const page = file.doc.getPage(p);
        const crop = page.getCropBox();
        const top = crop.y + crop.height;
        // Run boxes converted to pdftotext's frame: crop-box origin, y down.
        const boxes: Box[] = [];
        for (const run of interpretPage(file, p).runs) {
          if (!run.bbox) continue;
          const [x0, y0, x1, y1] = run.bbox;
          boxes.push([x0 - crop.x, top - y1, x1 - crop.x, top - y0]);
        }
        for (const w of reference.words.filter((word) => word.page === p)) {
          const wb: Box = [w.xMin, w.yMin, w.xMax, w.yMax];
          // A word pdftotext assembled from several operators (e.g. "Sys" Tj "tems," Tj) must lie
          // inside the union of the run boxes it overlaps.
          let union: Box | null = null;
          for (const b of boxes) {
            if (
              b[0] < wb[2] - TOLERANCE &&
              b[2] > wb[0] + TOLERANCE &&
              b[1] < wb[3] - TOLERANCE &&
              b[3] > wb[1] + TOLERANCE
            ) {
              union = union
                ? [
                    Math.min(union[0], b[0]),
                    Math.min(union[1], b[1]),
                    Math.max(union[2], b[2]),
                    Math.max(union[3], b[3]),
                  ]
                : b;
            }
          }
          if (boxes.some((b) => inside(wb, b))) {
            matched++;
            single++;
          } else if (union && inside(wb, union)) matched++;
          else if (misses.length < 5)
            misses.push(`p${p + 1} "${w.text}" [${wb.map((v) => v.toFixed(1)).join(' ')}]`);
        }
      }
      const ratio = matched / reference.words.length;
      console.log(
        `positions ${name}: ${matched}/${reference.words.length} = ${(ratio * 100).toFixed(2)}% words inside run boxes (${single} inside a single run box)`,
      );
      assert.ok(
        ratio >= 0.98,
        `only ${(ratio * 100).toFixed(2)}% inside; e.g. ${misses.join('; ')}`,
      );
    });
  }
});
