import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { serialize } from 'node:v8';
import { deflateRawSync } from 'node:zlib';
import type { Page } from '@docat/contracts';
import { DocatError } from '@docat/contracts/core';
import { PageBuilder, type SerializedPage } from './sandbox.js';

function page(number: number): Page {
  return { number, width: 612, height: 792, rotation: 0, blocks: [] } as unknown as Page;
}

function sent(number: number): SerializedPage {
  return { number, data: deflateRawSync(serialize(page(number)), { level: 1 }) };
}

test('pages are built in page order, whether they came before or after a child finished', async () => {
  const builder = new PageBuilder();
  // The second child's pages arrive interleaved with the first's, out of order.
  for (const n of [1, 2, 21, 3, 22, 4]) builder.add(sent(n));
  builder.start();
  for (const n of [23, 5, 24, 6]) builder.add(sent(n));
  // Some are built in the background, between turns of the event loop.
  await tick();
  for (const n of [25, 26]) builder.add(sent(n));
  const pages = builder.finish();
  assert.deepEqual(
    pages.map((p) => p.number),
    [1, 2, 3, 4, 5, 6, 21, 22, 23, 24, 25, 26],
  );
  assert.deepEqual(pages[0], page(1));
});

test('a page that does not inflate fails the document, built in the background or at the end', async () => {
  const broken: SerializedPage = { number: 7, data: new Uint8Array([1, 2, 3, 4, 5]) };
  for (const background of [true, false]) {
    const builder = new PageBuilder();
    builder.add(sent(6));
    builder.add(broken);
    if (background) {
      builder.start();
      await tick();
      await tick();
    }
    assert.throws(
      () => builder.finish(),
      (err: unknown) => err instanceof DocatError && err.code === 'PDF_RESOURCE_LIMIT',
    );
  }
});
