import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { corpusFile, requireAll, requireCorpus, requireTools } from '@docat/testing';
import { closeDocument, loadPdfjs, openDocument } from '../extract/pdfjs.js';
import { readPgm } from './grey-image.js';
import { renderPage } from './render-page.js';
import { scanImageOf } from './scan-image.js';
import { scanOf } from './scan-maker.test-support.js';

const req = requireAll(requireCorpus('tracemonkey.pdf'), requireTools('pdftoppm'));

/** A one-page PDF of `width` x `height` points holding one image XObject drawn over it. */
function imagePdf(
  width: number,
  height: number,
  image: { w: number; h: number; bits: number; data: Buffer },
): Uint8Array {
  const content = `q ${width} 0 0 ${height} 0 0 cm /Im0 Do Q`;
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${width} ${height}] /Resources << /XObject << /Im0 5 0 R >> >> /Contents 4 0 R >>`,
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    null,
  ];
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n', 'latin1')];
  let at = parts[0]!.length;
  const offsets: number[] = [];
  objs.forEach((o, i) => {
    offsets.push(at);
    const body =
      o === null
        ? Buffer.concat([
            Buffer.from(
              `${i + 1} 0 obj\n<< /Type /XObject /Subtype /Image /Width ${image.w} /Height ${image.h} /ColorSpace /DeviceGray /BitsPerComponent ${image.bits} /Length ${image.data.length} >>\nstream\n`,
              'latin1',
            ),
            image.data,
            Buffer.from('\nendstream\nendobj\n', 'latin1'),
          ])
        : Buffer.from(`${i + 1} 0 obj\n${o}\nendobj\n`, 'latin1');
    parts.push(body);
    at += body.length;
  });
  const xref = `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  parts.push(
    Buffer.from(
      `${xref}trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${at}\n%%EOF\n`,
      'latin1',
    ),
  );
  return new Uint8Array(Buffer.concat(parts));
}

async function withPage<T>(
  bytes: Uint8Array,
  read: (
    page: Awaited<ReturnType<Awaited<ReturnType<typeof openDocument>>['getPage']>>,
  ) => Promise<T>,
): Promise<T> {
  const doc = await openDocument(bytes, {});
  try {
    const page = await doc.getPage(1);
    try {
      return await read(page);
    } finally {
      page.cleanup();
    }
  } finally {
    await closeDocument(doc);
  }
}

test(
  'a page that is only its scan is read from its own pixels, the same as drawn at its resolution, and nothing else is',
  { skip: req.skip, timeout: 120_000 },
  async () => {
    const pdfjs = await loadPdfjs();
    const scan = await scanOf('tracemonkey.pdf', 1, { dpi: 200, crop: [0, 0, 612, 300] });
    await withPage(scan, async (page) => {
      const own = await scanImageOf(pdfjs, page, 200);
      assert.ok(own, 'the scan page is read from its pixels');
      const drawn = await renderPage(page, 200);
      assert.equal(own.scale.toFixed(4), drawn.scale.toFixed(4));
      assert.ok(own.image.equals(drawn.image), 'the same grey pixels as the canvas gives');
      // Another resolution is left to the canvas, which resamples.
      assert.equal(await scanImageOf(pdfjs, page, 300), undefined);
    });
    // A digital page (text and paths) is drawn.
    const digital = new Uint8Array(readFileSync(corpusFile('tracemonkey.pdf')));
    await withPage(digital, async (page) => {
      assert.equal(await scanImageOf(pdfjs, page, 200), undefined);
    });
  },
);

test('a one-bit scan is read black on white, row 0 on top', async () => {
  // 80 x 40 pixels on a 40 x 20 point page (144 dpi): the top half black (bits 0), the
  // bottom half's left quarter black, the rest white (bits 1).
  const w = 80;
  const h = 40;
  const row = w / 8;
  const data = Buffer.alloc(row * h, 0xff);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      if (y < h / 2 || x < w / 4) data[y * row + (x >> 3)]! &= ~(0x80 >> (x & 7));
  const pdfjs = await loadPdfjs();
  await withPage(imagePdf(40, 20, { w, h, bits: 1, data }), async (page) => {
    const own = await scanImageOf(pdfjs, page, 144);
    assert.ok(own, 'read from its pixels');
    const grey = readPgm(own.image);
    assert.equal(grey.width, w);
    assert.equal(grey.height, h);
    const at = (x: number, y: number) => grey.data[y * w + x];
    assert.equal(at(70, 5), 0);
    assert.equal(at(5, 35), 0);
    assert.equal(at(70, 35), 255);
  });
});
