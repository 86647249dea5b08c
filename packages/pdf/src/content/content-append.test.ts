import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PDFDocument, PDFName, StandardFonts } from 'pdf-lib';
import { appendContent } from './content-rewriter.js';
import { name, num, str } from './content-types.js';
import { interpretPage } from './page-interpreter.js';
import { openPdf, savePdf } from './pdf-file.js';

/** A one-page PDF whose content is `content`, with Helvetica as /F1. */
async function pageWith(content: string): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([200, 200]);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  page.node.setFontDictionary(PDFName.of('F1'), font.ref);
  page.node.set(PDFName.of('Contents'), doc.context.register(doc.context.stream(content)));
  return doc.save();
}

const text = (x: number, y: number, s: string) => [
  { op: 'BT', operands: [] },
  { op: 'Tf', operands: [name('F1'), num(10)] },
  { op: 'Td', operands: [num(x), num(y)] },
  { op: 'Tj', operands: [str(new TextEncoder().encode(s))] },
  { op: 'ET', operands: [] },
];

/** Page-space origin of the first glyph of the run drawn with `s`, after appending it at (20, 30). */
async function appendedAt(content: string): Promise<[number, number]> {
  const file = await openPdf(await pageWith(content));
  appendContent(file, 0, text(20, 30, 'Z'));
  const again = await openPdf(await savePdf(file));
  const run = interpretPage(again, 0).runs.find((r) => r.unicode === 'Z');
  assert.ok(run, 'the appended run is drawn');
  return [Math.round(run.glyphs[0]!.bbox[0]), Math.round(run.glyphs[0]!.bbox[1])];
}

test('appended content draws in the default state after a page that never restores its matrix', async () => {
  // Balanced page: the reference position.
  const [x, y] = await appendedAt('q 2 0 0 2 0 0 cm BT /F1 10 Tf 5 5 Td (a) Tj ET Q');
  assert.ok(Math.abs(x - 20) <= 1, `x ${x}`);
  // A top-level matrix change left in force (print-to-PDF pages do this).
  assert.deepEqual(await appendedAt('2 0 0 2 0 0 cm BT /F1 10 Tf 5 5 Td (a) Tj ET'), [x, y]);
  // An unclosed group and an unfinished text object.
  assert.deepEqual(await appendedAt('q 3 0 0 3 0 0 cm BT /F1 10 Tf 5 5 Td (a) Tj'), [x, y]);
  // A restore with nothing saved, then a matrix change.
  assert.deepEqual(await appendedAt('Q 2 0 0 2 10 10 cm BT /F1 10 Tf (a) Tj ET'), [x, y]);
});

test('the original content keeps drawing where it did', async () => {
  const content = '2 0 0 2 0 0 cm BT /F1 10 Tf 5 5 Td (a) Tj ET';
  const plain = interpretPage(await openPdf(await pageWith(content)), 0).runs[0]!;
  const file = await openPdf(await pageWith(content));
  appendContent(file, 0, text(20, 30, 'Z'));
  appendContent(file, 0, text(40, 30, 'Y'));
  const runs = interpretPage(await openPdf(await savePdf(file)), 0).runs;
  assert.deepEqual(
    runs.map((r) => r.unicode),
    ['a', 'Z', 'Y'],
  );
  assert.deepEqual(runs[0]!.glyphs[0]!.bbox, plain.glyphs[0]!.bbox);
  assert.ok(Math.abs(runs[2]!.glyphs[0]!.bbox[0] - 40) <= 1, 'a second append is isolated too');
});
