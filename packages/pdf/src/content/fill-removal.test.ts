import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PDFDocument, PDFName } from 'pdf-lib';
import { removeFills } from './content-rewriter.js';
import type { Box } from './content-types.js';
import { interpretPage } from './page-interpreter.js';
import { openPdf } from './pdf-file.js';

/** A one-page PDF whose content is `ops`, as written. */
async function pageWith(ops: string): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([300, 300]);
  const stream = doc.context.flateStream(ops);
  page.node.set(PDFName.of('Contents'), doc.context.register(stream));
  return doc.save();
}

async function removed(ops: string, groups: Box[][]): Promise<{ done: boolean[]; left: string }> {
  const file = await openPdf(await pageWith(ops));
  const done = removeFills(file, 0, groups);
  const page = interpretPage(file, 0).scopes.find((s) => s.path.length === 0)!;
  const left = page.ops.map((o) => o.op).join(' ');
  return { done, left };
}

describe('removeFills', () => {
  test('removes a rectangle and a one-subpath shape that match, and nothing else', async () => {
    const { done, left } = await removed(
      '1 1 0 rg 10 10 100 20 re f ' +
        'q 2 0 0 2 0 0 cm 0.9 g 10 50 m 60 50 l 60 60 l 10 60 l h f Q ' +
        '0 0 1 rg 10 200 50 10 re f',
      [[[10, 10, 110, 30]], [[20, 100, 120, 120]]],
    );
    assert.deepEqual(done, [true, true]);
    // The colour operators stay; both paths and their fills are gone; the blue box stays.
    assert.equal(left, 'rg q cm g Q rg re f');
  });

  test('keeps shapes it cannot take away alone: several shapes in one path, clips, patterns', async () => {
    const { done, left } = await removed(
      '1 1 0 rg 10 10 100 20 re 10 40 100 20 re f ' +
        'q 10 100 100 20 re W n 10 100 100 20 re f Q ' +
        '/Pattern cs /P0 scn 10 200 100 20 re f',
      [[[10, 10, 110, 30]], [[10, 200, 110, 220]]],
    );
    assert.deepEqual(done, [false, false]);
    assert.equal(left, 'rg re re f q re W n re f Q cs scn re f');
  });

  test('a group goes whole or not at all', async () => {
    const { done, left } = await removed('0.9 g 10 10 100 20 re f', [
      [
        [10, 10, 110, 30],
        [10, 100, 110, 120],
      ],
    ]);
    assert.deepEqual(done, [false]);
    assert.equal(left, 'g re f');
  });
});
