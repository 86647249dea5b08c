import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { corpusFile, requireCorpus } from '@docat/testing';
import { InkMaps } from './free-space.js';

const req = requireCorpus('tracemonkey.pdf');

test(
  'a page ink map is drawn once, held while its page is set, and let go after',
  { skip: req.skip },
  async () => {
    const maps = new InkMaps(new Uint8Array(readFileSync(corpusFile('tracemonkey.pdf'))));
    try {
      const first = await maps.page(1);
      assert.equal(first.width, 612); // 72 dpi: a pixel a point
      assert.equal(await maps.page(1), first, 'the same page is not drawn twice');
      await maps.page(2);
      assert.deepEqual(maps.held, [1, 2]);
      maps.release(1);
      assert.deepEqual(maps.held, [2]);
      // Asked again, the page is drawn again, the same.
      const again = await maps.page(1);
      assert.notEqual(again, first);
      assert.deepEqual(again.rgb, first.rgb);
    } finally {
      await maps.close();
    }
    assert.deepEqual(maps.held, []);
  },
);
