import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireAll, requireCorpus, requireTools } from '@docat/testing';
import { extractLayout } from '../extract/extract-layout.js';
import { toPlainText } from '../output/plain-text.js';
import { abstractCrop, abstractWords, recall, words } from './abstract-crop.test-support.js';
import type { OcrAdapter } from './ocr-adapter.js';
import { createOcrAdapter } from './ocr-adapter-choice.js';
import { fidelityReportOf } from '../fidelity/index.js';
import { pseudoTranslatedPdf } from '../render/render-fixtures.test-support.js';

// Every test reads the abstract cut out of the corpus scan (a dozen lines), not whole pages:
// the same engine paths at a tenth of the time.
const req = requireAll(
  requireCorpus('scanned-tracemonkey-p1-2.pdf', 'tracemonkey.pdf'),
  requireTools('pdftotext', 'qpdf', 'tesseract'),
);

describe('native tesseract adapter', () => {
  let dir = '';
  let native: OcrAdapter;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'docat-ocr-'));
    if (!req.skip) native = createOcrAdapter('native');
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await native?.close();
  });

  test(
    'is chosen by auto, reads the scan, and OCRs pages in parallel up to the core count',
    { skip: req.skip, timeout: 300_000 },
    async () => {
      assert.equal(createOcrAdapter('auto').name, 'native');
      let running = 0;
      let most = 0;
      const counting: OcrAdapter = {
        name: native.name,
        concurrency: native.concurrency,
        minDpi: native.minDpi,
        hasLanguage: (l) => native.hasLanguage(l),
        orientation: (png) => native.orientation(png),
        close: () => native.close(),
        recognize: async (png, language) => {
          most = Math.max(most, ++running);
          try {
            return await native.recognize(png, language);
          } finally {
            running--;
          }
        },
      };
      const { document, warnings } = await extractLayout(await abstractCrop({ pages: 2 }), {
        ocrAdapter: counting,
      });
      assert.deepEqual(warnings, []);
      assert.deepEqual(
        document.pages.map((p) => [p.number, p.scanned]),
        [
          [1, true],
          [2, true],
        ],
      );
      assert.equal(most, Math.min(2, availableParallelism()));
      const got = recall(
        abstractWords(),
        words(toPlainText({ ...document, pages: [document.pages[0]!] })),
      );
      assert.ok(got >= 0.95, `abstract word recall ${got.toFixed(3)}`);
    },
  );

  for (const turn of [90, 180]) {
    test(
      `a scan lying turned by ${turn} degrees is read upright (OSD)`,
      { skip: req.skip, timeout: 300_000 },
      async () => {
        const upright = join(dir, 'upright.pdf');
        writeFileSync(upright, await abstractCrop());
        const turned = join(dir, `turned-${turn}.pdf`);
        execFileSync('qpdf', [upright, `--rotate=+${turn}:1`, turned]);
        const { document, warnings } = await extractLayout(new Uint8Array(readFileSync(turned)), {
          ocrAdapter: native,
        });
        const page = document.pages[0]!;
        assert.equal(page.uprightRotation, (360 - turn) % 360);
        assert.deepEqual(
          warnings.map((w) => w.kind),
          ['page_rotated'],
        );
        const got = recall(abstractWords(), words(toPlainText(document)));
        assert.ok(got >= 0.95, `abstract word recall ${got.toFixed(3)}`);
        // Boxes stay on the page as displayed: the cut-out is wider than tall, turned by 90 it stands.
        assert.equal(page.width > page.height, turn !== 90);
        for (const block of page.blocks)
          assert.ok(
            block.bbox[2] <= page.width + 1 && block.bbox[3] <= page.height + 1,
            JSON.stringify(block.bbox),
          );
      },
    );
  }

  for (const skew of [2, -1.5]) {
    test(
      `a scan fed ${skew} degrees askew is read line by line and set along its lines`,
      { skip: req.skip, timeout: 300_000 },
      async () => {
        const scan = await abstractCrop({ skew });
        const { document } = await extractLayout(scan.slice(), {
          ocrAdapter: native,
        });
        const page = document.pages[0]!;
        const text = toPlainText(document);
        const got = recall(abstractWords(), words(text));
        assert.ok(got >= 0.95, `abstract word recall ${got.toFixed(3)}`);
        // Askew, a line's words reach the next line's height: grouped by height alone, lines
        // took words of their neighbours and the abstract read out of order.
        assert.ok(
          text.includes('Dynamic languages such as JavaScript are more difficult to compile'),
          text,
        );
        assert.ok(text.includes('We present an alternative compilation technique'), text);
        const body = page.blocks.filter((b) => b.text.length > 100);
        assert.ok(body.length >= 1);
        for (const block of body) {
          // Set along the scan's lines (counter-clockwise as displayed, like the skew).
          assert.ok(Math.abs(block.angle! - skew) < 0.5, `angle ${block.angle}`);
          assert.ok(block.frame, 'a tilted block has its frame');
        }
        // Paragraphs do not overlap.
        for (const a of body)
          for (const b of body)
            if (a !== b)
              assert.ok(
                a.bbox[3] <= b.bbox[1] + 12 || b.bbox[3] <= a.bbox[1] + 12,
                `${a.id} ${JSON.stringify(a.bbox)} overlaps ${b.id} ${JSON.stringify(b.bbox)}`,
              );
        // Translated, the tilted paragraphs' lines do not cross: the report compares them in
        // their frame, not by their upright bounds (taller than the lines by width x slope).
        const rendered = await pseudoTranslatedPdf(scan, document);
        const report = await fidelityReportOf(rendered, {
          layout: document,
          translations: rendered.translations,
          targetLanguage: 'de',
        });
        const placed = rendered.placements.filter((p) => p.frame);
        assert.ok(placed.length >= body.length, 'the tilted paragraphs were set in their frame');
        assert.deepEqual(
          report.overlaps.filter((o) => o.with === 'translation'),
          [],
          'translations set over each other',
        );
      },
    );
  }

  test(
    'a text layer that does not read as its language is replaced by OCR, with a warning',
    { skip: req.skip, timeout: 300_000 },
    async () => {
      // An old scan with an earlier OCR's invisible text layer of Latin look-alikes over it.
      const bytes = await abstractCrop({
        invisibleText:
          'Bce npaBa 3aLLlnLLleHbl. Ha ocHoBaHnn cTaTbn 12 3aKoHa o6 o6pa3oBaHnn, koTopbIe 6bInn',
      });

      const kept = await extractLayout(bytes.slice(), { ocr: 'off' });
      assert.match(toPlainText(kept.document), /npaBa/);
      const { document, warnings } = await extractLayout(bytes.slice(), { ocrAdapter: native });
      assert.deepEqual(
        warnings.map((w) => [w.kind, w.page]),
        [['text_layer_replaced', 1]],
      );
      assert.match(warnings[0]!.message, /not words of any language/);
      const text = toPlainText(document);
      assert.doesNotMatch(text, /npaBa/);
      const got = recall(abstractWords(), words(text));
      assert.ok(got >= 0.95, `abstract word recall ${got.toFixed(3)}`);
    },
  );
});
