import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { corpusFile, requireAll, requireCorpus, requireTools } from '@docat/testing';
import { extractLayout } from '../extract/extract-layout.js';
import { toPlainText } from '../output/plain-text.js';
import type { OcrAdapter } from './ocr-adapter.js';
import { createOcrAdapter } from './ocr-adapter-choice.js';

const words = (s: string) =>
  s
    .toLowerCase()
    .replace(/-\n/g, '')
    .match(/[\p{L}\p{N}]+/gu) ?? [];

function recall(reference: string[], ours: string[]): number {
  const bag = new Map<string, number>();
  for (const w of ours) bag.set(w, (bag.get(w) ?? 0) + 1);
  let hit = 0;
  for (const w of reference) {
    const n = bag.get(w) ?? 0;
    if (n > 0) {
      hit++;
      bag.set(w, n - 1);
    }
  }
  return hit / reference.length;
}

/** The abstract of tracemonkey page 1 as poppler reads it from the original. */
function abstractWords(): string[] {
  const reference = execFileSync(
    'pdftotext',
    ['-f', '1', '-l', '1', corpusFile('tracemonkey.pdf'), '-'],
    { encoding: 'utf8' },
  );
  const start = reference.indexOf('Dynamic languages such as JavaScript are more difficult');
  const end = reference.indexOf('Categories and Subject Descriptors');
  return words(reference.slice(start, end));
}

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
      const bytes = new Uint8Array(readFileSync(corpusFile('scanned-tracemonkey-p1-2.pdf')));
      const { document, warnings } = await extractLayout(bytes, { ocrAdapter: counting });
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
        const turned = join(dir, `turned-${turn}.pdf`);
        const scan = corpusFile('scanned-tracemonkey-p1-2.pdf');
        execFileSync('qpdf', [scan, '--pages', scan, '1', '--', `--rotate=+${turn}:1`, turned]);
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
        // Boxes stay on the page as displayed: a page turned by 90 is landscape.
        assert.equal(page.width > page.height, turn === 90);
        for (const block of page.blocks)
          assert.ok(
            block.bbox[2] <= page.width + 1 && block.bbox[3] <= page.height + 1,
            JSON.stringify(block.bbox),
          );
      },
    );
  }

  test(
    'a text layer that does not read as its language is replaced by OCR, with a warning',
    { skip: req.skip, timeout: 300_000 },
    async () => {
      // An old scan with an earlier OCR's invisible text layer of Latin look-alikes over it.
      const out = await PDFDocument.create();
      const [scan] = await out.embedPdf(
        readFileSync(corpusFile('scanned-tracemonkey-p1-2.pdf')),
        [0],
      );
      const page = out.addPage([612, 792]);
      page.drawPage(scan!, { x: 0, y: 0, width: 612, height: 792 });
      const font = await out.embedFont(StandardFonts.Helvetica);
      const lookalike =
        'Bce npaBa 3aLLlnLLleHbl. Ha ocHoBaHnn cTaTbn 12 3aKoHa o6 o6pa3oBaHnn, koTopbIe 6bInn npnHRTbl B npoLLlnoM roAy';
      for (let i = 0; i < 12; i++)
        page.drawText(lookalike, { x: 60, y: 700 - i * 14, size: 9, font, opacity: 0 });
      const bytes = await out.save();

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
