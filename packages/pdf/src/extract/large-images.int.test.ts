import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import type { LayoutDocument } from '@docat/contracts';
import { openPdf } from '../content/pdf-file.js';
import { toPlainText } from '../output/plain-text.js';
import { SANDBOX_CHILD_RSS_MB } from '../sandbox/memory-budget.js';
import { extractInSandbox } from '../sandbox/sandbox.js';
import {
  LargeImageSource,
  decodeReduced,
  findLargeImages,
  holdsLargeImage,
} from './large-images.js';
import { LARGE_SCAN_LINES, largeJpegScanPdf, largeScanPdf } from './large-scan.test-support.js';
import { MAX_OCR_PIXELS, ocrDpi } from './extract-layout.js';

const words = (text: string) => text.toLowerCase().match(/\p{L}+/gu) ?? [];

/** At least 90% of the words printed on the generated scan were read. */
function assertReadsScanLines(document: LayoutDocument): void {
  const expected = words(LARGE_SCAN_LINES.join(' '));
  const got = new Set(words(toPlainText(document)));
  const found = expected.filter((w) => got.has(w)).length;
  assert.ok(
    found / expected.length >= 0.9,
    `${found} of ${expected.length} words: ${[...got].join(' ')}`,
  );
}

/** A one-page PDF drawing one image (`dict` holds its entries besides the stream's length). */
function imagePdf(dict: string, data: Buffer, cm = '612 0 0 792 0 0'): Uint8Array {
  const content = `q ${cm} cm /Im Do Q`;
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /Im 5 0 R >> >> /Contents 4 0 R >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
  ];
  let out = Buffer.from('%PDF-1.7\n', 'latin1');
  const offsets: number[] = [];
  for (const [i, o] of objs.entries()) {
    offsets.push(out.length);
    out = Buffer.concat([out, Buffer.from(`${i + 1} 0 obj\n${o}\nendobj\n`, 'latin1')]);
  }
  offsets.push(out.length);
  out = Buffer.concat([
    out,
    Buffer.from(`5 0 obj\n<< ${dict} /Length ${data.length} >>\nstream\n`, 'latin1'),
    data,
    Buffer.from('\nendstream\nendobj\n', 'latin1'),
  ]);
  const xref = `xref\n0 6\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  return new Uint8Array(
    Buffer.concat([
      out,
      Buffer.from(
        `${xref}trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n${out.length}\n%%EOF\n`,
        'latin1',
      ),
    ]),
  );
}

describe('images too large to decode at full size', () => {
  test('the file is told apart by its image dictionaries alone', () => {
    const small = imagePdf(
      '/Type /XObject /Subtype /Image /Width 100 /Height 100 /ColorSpace /DeviceGray /BitsPerComponent 8',
      Buffer.alloc(10_000, 255),
    );
    const large = imagePdf(
      '/Type /XObject /Subtype /Image /Width 5000 /Height 4000 /ColorSpace /DeviceGray /BitsPerComponent 8',
      Buffer.alloc(16),
    );
    assert.equal(holdsLargeImage(small), false);
    assert.equal(holdsLargeImage(large), true);
    assert.equal(holdsLargeImage(small, 5_000), true);
  });

  test('a placement is found with the transform in force, and decoded reduced, PNG predictors and all', async () => {
    // 4 x 4 grey: left half black, right half white; rows PNG-filtered (Sub, then Up).
    const rows = [
      [1, 0, 0, 255, 0],
      [2, 0, 0, 0, 0],
      [2, 0, 0, 0, 0],
      [2, 0, 0, 0, 0],
    ];
    const data = deflateSync(Buffer.from(rows.flat()));
    const bytes = imagePdf(
      '/Type /XObject /Subtype /Image /Width 4 /Height 4 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode /DecodeParms << /Predictor 15 /Columns 4 >>',
      data,
      '100 0 0 200 50 60',
    );
    const file = await openPdf(bytes);
    const [placement, ...rest] = await findLargeImages(file, 0, 10);
    assert.ok(placement);
    assert.equal(rest.length, 0);
    assert.deepEqual(placement.ctm, [100, 0, 0, 200, 50, 60]);
    const full = await decodeReduced(file, placement.stream, 4, 4);
    assert.deepEqual(
      [...full.data],
      [0, 0, 255, 255, 0, 0, 255, 255, 0, 0, 255, 255, 0, 0, 255, 255],
    );
    const half = await decodeReduced(file, placement.stream, 2, 2);
    assert.deepEqual([half.width, half.height, ...half.data], [2, 2, 0, 255, 0, 255]);
    // A 1-bit image: each output pixel is the mean of its block.
    const mask = imagePdf(
      '/Type /XObject /Subtype /Image /Width 8 /Height 2 /ColorSpace /DeviceGray /BitsPerComponent 1',
      Buffer.from([0b11110000, 0b11001100]),
    );
    const maskFile = await openPdf(mask);
    const [m] = await findLargeImages(maskFile, 0, 1);
    const bits = await decodeReduced(maskFile, m!.stream, 4, 1);
    assert.deepEqual([bits.width, bits.height, ...bits.data], [4, 1, 255, 128, 128, 0]);
  });

  test('a large JPEG that cannot be decoded is a page warning, not a failed document', async () => {
    const bytes = imagePdf(
      '/Type /XObject /Subtype /Image /Width 6000 /Height 8000 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode',
      Buffer.from([0xff, 0xd8, 0xff, 0xd9]),
    );
    const source = new LargeImageSource(bytes);
    assert.equal((await source.onPage(1)).length, 1);
    const { document, warnings } = await extractInSandbox(bytes, { ocr: 'auto' });
    assert.equal(document.pages[0]!.scanned, true);
    assert.equal(warnings.length, 1, JSON.stringify(warnings));
    assert.equal(warnings[0]!.code, 'OCR_FAILED');
    assert.match(warnings[0]!.message, /JPEG/);
  });

  test(
    'a 9,000 x 12,000 scan is read by OCR within the sandbox memory bound',
    { timeout: 180_000 },
    async () => {
      const bytes = new Uint8Array(largeScanPdf());
      assert.ok(bytes.length < 2_000_000, `${bytes.length} bytes on disk`);
      const result = await extractInSandbox(bytes, { ocr: 'auto' });
      assert.deepEqual(result.warnings, []);
      const page = result.document.pages[0]!;
      assert.equal(page.scanned, true);
      assertReadsScanLines(result.document);
      // Decoded at full size the image alone would take 108 MB grey, 432 MB as RGBA on a canvas.
      assert.ok(result.peakRssMbPerChild < SANDBOX_CHILD_RSS_MB, `${result.peakRssMbPerChild} MB`);
    },
  );

  test(
    'a 30-inch page scanned at 300 dpi is drawn for OCR at no more than 16 million pixels, and read',
    { timeout: 180_000 },
    async () => {
      // A poster or a drawing: 9,000 x 9,000 pixels over a 2,160-point page. Drawn at the
      // scan's own 300 dpi the page would be an 81-million-pixel canvas (324 MB), and the
      // sandbox refused the file with PDF_RESOURCE_LIMIT.
      const bytes = new Uint8Array(largeScanPdf(9000, 9000, 300));
      const result = await extractInSandbox(bytes, { ocr: 'auto' });
      assert.deepEqual(result.warnings, []);
      const page = result.document.pages[0]!;
      assert.equal(page.scanned, true);
      assert.equal(Math.round(page.width), 2160);
      assertReadsScanLines(result.document);
      assert.ok(result.peakRssMbPerChild < SANDBOX_CHILD_RSS_MB, `${result.peakRssMbPerChild} MB`);
      const dpi = ocrDpi({ images: [], width: 2160, height: 2160 }, 300, 150);
      assert.ok((dpi / 72) ** 2 * 2160 * 2160 <= MAX_OCR_PIXELS, `${dpi} dpi`);
      assert.equal(
        ocrDpi({ images: [], width: 612, height: 792 }, 300, 150),
        300,
        'a letter page keeps 300 dpi',
      );
    },
  );

  test(
    'a 9,000 x 12,000 JPEG scan is decoded at reduced scale and read by OCR',
    { timeout: 180_000 },
    async () => {
      const bytes = new Uint8Array(await largeJpegScanPdf());
      const file = await openPdf(bytes);
      const [placement] = await findLargeImages(file, 0);
      // Reduced by an integer factor to at least the size asked for (300 dpi over 9 x 12 in).
      const image = await decodeReduced(file, placement!.stream, 2700, 3600);
      assert.deepEqual([image.width, image.height, image.channels], [3000, 4000, 1]);
      // White paper and black print survive the reduction.
      assert.equal(image.data[0], 255);
      assert.ok(image.data.some((v) => v < 64));
      const result = await extractInSandbox(bytes, { ocr: 'auto' });
      assert.deepEqual(result.warnings, []);
      assert.equal(result.document.pages[0]!.scanned, true);
      assertReadsScanLines(result.document);
      // Decoded at full size it would take 108 MB grey before any canvas.
      assert.ok(result.peakRssMbPerChild < SANDBOX_CHILD_RSS_MB, `${result.peakRssMbPerChild} MB`);
    },
  );
});
