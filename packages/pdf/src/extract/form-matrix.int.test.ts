import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PDFDocument, PDFName, StandardFonts } from 'pdf-lib';
import { extractLayout } from './extract-layout.js';

/**
 * A bar chart drawn in a form XObject scaled into place by the form's /Matrix (as office
 * suites export charts), its tick labels drawn on the page beside it. pdf.js hands the
 * matrix over as a Float32Array; read as anything but a plain array it was dropped and the
 * bars landed off to the right, so the chart was no figure and its labels were translated
 * as one paragraph.
 */
async function chartInForm(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([612, 792]);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  // Form space: a 1000 x 500 chart, bars 85 wide every 100, a baseline and an axis.
  const bars = [120, 200, 260, 330, 380, 420, 450, 470]
    .map((h, i) => `${100 + i * 100} 50 85 ${h} re f`)
    .join('\n');
  const form = doc.context.stream(
    `0.8 0 0 rg\n${bars}\n0 0 0 RG 2 w 80 50 m 950 50 l S 80 50 m 80 480 l S`,
    {
      Type: 'XObject',
      Subtype: 'Form',
      BBox: [0, 0, 1000, 500],
      Matrix: [0.3, 0, 0, 0.3, 0, 0],
    },
  );
  page.node.setXObject(PDFName.of('Chart'), doc.context.register(form));
  const chart = doc.context.stream('q 1 0 0 1 100 300 cm /Chart Do Q');
  page.node.addContentStream(doc.context.register(chart));
  page.drawText('Sales rose in every year of the period, as the chart below shows.', {
    x: 72,
    y: 700,
    size: 11,
    font,
  });
  // Ticks just left of the axis (page x 124), years under the bars.
  for (const [i, tick] of ['0', '100', '200', '300', '400'].entries())
    page.drawText(tick, { x: 114, y: 313 + i * 30, size: 7, font });
  for (let i = 0; i < 8; i++)
    page.drawText(String(2016 + i), { x: 128 + i * 30, y: 305, size: 7, font });
  return doc.save();
}

test('a chart drawn through a form matrix is a figure where it shows', async () => {
  const { document } = await extractLayout(await chartInForm(), { ocr: 'off' });
  const blocks = document.pages[0]!.blocks;
  const figures = blocks.filter((b) => b.type === 'figure');
  assert.equal(figures.length, 1, JSON.stringify(blocks.map((b) => [b.type, b.bbox, b.text])));
  const [x0, y0, x1, y1] = figures[0]!.bbox;
  // The bars span page x 130-366 and, top-down, y 342-477 (the form's box cuts the tallest).
  assert.ok(x0 <= 131 && x1 >= 365 && x1 < 400, `figure x ${x0}-${x1}`);
  assert.ok(y0 <= 343 && y1 >= 476, `figure y ${y0}-${y1}`);
  // The ticks and years are the figure's labels, not a paragraph to translate.
  for (const b of blocks.filter((b) => b.type !== 'figure'))
    assert.ok(!/\b2019\b|^400\b/u.test(b.text), `label outside the figure: ${b.text}`);
});
