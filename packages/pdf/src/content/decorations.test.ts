import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PDFDocument, PDFName } from 'pdf-lib';
import { parseContent } from './content-tokenizer.js';
import { decorationsIn, findDecorations, removeDecorations } from './decorations.js';
import { interpretPage } from './page-interpreter.js';
import { openPdf } from './pdf-file.js';

const ops = (text: string) => parseContent(new TextEncoder().encode(text));

describe('decorationsIn', () => {
  test('lists thin filled bars and straight stroked lines with their colour and thickness', () => {
    const found = decorationsIn(
      ops(
        '0 0 0.8 rg 72 100 80 0.6 re f ' +
          'q 1 0 0 RG 2 0 0 2 0 0 cm 0.5 w 36 80 m 36 80 m 86 80 l S Q ' +
          '/CS0 cs 0.2 sc 72 50 m 150 50 l 150 50.8 l 72 50.8 l h f',
      ),
    );
    assert.equal(found.length, 3);
    assert.deepEqual(found[0]!.box, [72, 100, 152, 100.6]);
    assert.deepEqual(
      found[0]!.color.map((o) => o.op),
      ['rg'],
    );
    // The stroke's width through the matrix: 0.5 × 2; its colour as a fill colour.
    assert.ok(Math.abs(found[1]!.thickness - 1) < 1e-9);
    assert.deepEqual(found[1]!.box, [72, 159.5, 172, 160.5]);
    assert.deepEqual(
      found[1]!.color.map((o) => o.op),
      ['rg'],
    );
    assert.deepEqual(
      found[2]!.color.map((o) => o.op),
      ['cs', 'sc'],
    );
  });

  test('leaves out bars, boxes, slanted lines, curves, several shapes, clips and patterns', () => {
    const found = decorationsIn(
      ops(
        '72 100 80 12 re f ' + // a bar a line high
          '72 100 2 1 re f ' + // too short for its thickness
          '72 80 m 150 82 l S ' + // slanted
          '72 60 m 100 60 120 60 150 60 c S ' + // a curve
          '72 40 80 0.5 re 72 30 80 0.5 re f ' + // two shapes in one path
          'q 72 20 80 0.5 re W n Q ' + // a clip
          '/Pattern cs /P1 scn 72 10 80 0.5 re f ' + // a pattern
          '72 5 80 0.5 re B', // filled and outlined
      ),
    );
    assert.deepEqual(found, []);
  });

  test('removeDecorations takes away the listed paths and nothing else', async () => {
    const doc = await PDFDocument.create();
    const page = doc.addPage([300, 300]);
    const stream = doc.context.flateStream(
      '0 0 1 rg 10 10 100 0.5 re f 0 g 10 20 100 0.5 re f 10 30 100 20 re f',
    );
    page.node.set(PDFName.of('Contents'), doc.context.register(stream));
    const file = await openPdf(await doc.save());
    const found = findDecorations(file, 0);
    assert.equal(found.length, 2);
    removeDecorations(file, 0, [found[0]!]);
    const left = interpretPage(file, 0)
      .scopes.find((s) => s.path.length === 0)!
      .ops.map((o) => o.op)
      .join(' ');
    assert.equal(left, 'rg g re f re f');
  });
});
