import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { corpusFile, requireAll, requireCorpus, requireTools } from '@docat/testing';
import { removeText } from './content-rewriter.js';
import type { Box } from './content-types.js';
import { openPdf, savePdf } from './pdf-file.js';
import { pdftotextBBox, renderGray } from './poppler.test-support.js';

const req = requireAll(requireCorpus('tracemonkey.pdf'), requireTools('pdftotext', 'pdftoppm'));
const DPI = 72;
const INK = 200;

function countWords(words: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const w of words) m.set(w, (m.get(w) ?? 0) + 1);
  return m;
}

test(
  'removing one paragraph of tracemonkey page 1 removes exactly it',
  { skip: req.skip },
  async () => {
    const bytes = new Uint8Array(readFileSync(corpusFile('tracemonkey.pdf')));
    const before = pdftotextBBox(bytes, ['-f', '1', '-l', '1']);
    const paragraph = before.blocks.find(
      (b) =>
        b.words
          .slice(0, 4)
          .map((w) => w.text)
          .join(' ') === 'Dynamic languages such as' && b.words.length > 100,
    );
    assert.ok(paragraph, 'the abstract paragraph is in the reference');
    assert.equal(paragraph.words.length, 129);

    const file = await openPdf(bytes);
    const crop = file.doc.getPage(0).getCropBox();
    const top = crop.y + crop.height;
    const region: Box = [
      paragraph.xMin + crop.x,
      top - paragraph.yMax,
      paragraph.xMax + crop.x,
      top - paragraph.yMin,
    ];
    const result = removeText(file, 0, { regions: [region] });
    assert.ok(result.removedGlyphs > 500, `removed ${result.removedGlyphs} glyphs`);
    const out = await savePdf(file);

    const after = pdftotextBBox(out, ['-f', '1', '-l', '1']);
    const expected = countWords(
      before.words.filter((w) => !paragraph.words.includes(w)).map((w) => w.text),
    );
    const actual = countWords(after.words.map((w) => w.text));
    assert.deepEqual(actual, expected, 'every other word stays and no paragraph word remains');
    assert.ok(
      !after.words.some(
        (w) =>
          w.xMin >= region[0] - 1 &&
          w.xMax <= region[2] + 1 &&
          w.yMin >= paragraph.yMin - 1 &&
          w.yMax <= paragraph.yMax + 1,
      ),
    );

    const [orig] = renderGray(bytes, DPI, 1);
    const [edited] = renderGray(out, DPI, 1);
    assert.ok(orig && edited && orig.width === edited.width && orig.height === edited.height);
    const s = DPI / 72;
    const pad = 2;
    const mx0 = Math.floor((paragraph.xMin - pad) * s);
    const mx1 = Math.ceil((paragraph.xMax + pad) * s);
    const my0 = Math.floor((paragraph.yMin - pad) * s);
    const my1 = Math.ceil((paragraph.yMax + pad) * s);
    let ink = 0;
    let unchanged = 0;
    let inkInside = 0;
    let inkInsideAfter = 0;
    for (let y = 0; y < orig.height; y++) {
      for (let x = 0; x < orig.width; x++) {
        const i = y * orig.width + x;
        const masked = x >= mx0 && x <= mx1 && y >= my0 && y <= my1;
        if (masked) {
          if (orig.pixels[i]! < INK) inkInside++;
          if (edited.pixels[i]! < INK) inkInsideAfter++;
          continue;
        }
        if (orig.pixels[i]! >= INK) continue;
        ink++;
        if (orig.pixels[i] === edited.pixels[i]) unchanged++;
      }
    }
    const ratio = unchanged / ink;
    console.log(
      `removal: ${result.removedGlyphs} glyphs in ${result.runs.length} runs; ink outside the paragraph unchanged ${unchanged}/${ink} = ${(ratio * 100).toFixed(3)}%; ink inside ${inkInside} -> ${inkInsideAfter}`,
    );
    assert.ok(
      ratio >= 0.995,
      `only ${(ratio * 100).toFixed(3)}% of ink pixels unchanged outside the paragraph`,
    );
    assert.ok(inkInsideAfter < inkInside * 0.02, 'the paragraph is no longer drawn');
  },
);

test(
  'removing one word inside a TJ keeps the rest of the line in place',
  { skip: req.skip },
  async () => {
    const bytes = new Uint8Array(readFileSync(corpusFile('tracemonkey.pdf')));
    const before = pdftotextBBox(bytes, ['-f', '1', '-l', '1']);
    const target = before.words.find((w) => w.text === 'Just-in-Time');
    assert.ok(target);
    const file = await openPdf(bytes);
    const top = file.doc.getPage(0).getCropBox().height;
    const result = removeText(file, 0, {
      regions: [[target.xMin, top - target.yMax, target.xMax, top - target.yMin]],
    });
    assert.equal(result.runs.length, 1, 'one TJ is split');
    assert.equal(result.removedGlyphs, 'Just-in-Time'.length);
    const after = pdftotextBBox(await savePdf(file), ['-f', '1', '-l', '1']);
    const rest = before.words.filter((w) => w !== target);
    assert.equal(after.words.length, rest.length);
    rest.forEach((w, i) => {
      const a = after.words[i]!;
      assert.equal(a.text, w.text);
      assert.ok(
        Math.abs(a.xMin - w.xMin) < 0.01 &&
          Math.abs(a.xMax - w.xMax) < 0.01 &&
          Math.abs(a.yMin - w.yMin) < 0.01,
        `${w.text} moved`,
      );
    });
  },
);
