import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { firstChunk, pagesIn, planChunks, selectedIntervals } from './chunk-plan.js';

describe('chunk planning', () => {
  test('cuts a whole document into runs of chunkPages, the last one short', () => {
    const chunks = planChunks(selectedIntervals(undefined), 14, 4);
    assert.deepEqual(
      chunks.map((c) => [c.chunk, c.pageFrom, c.pageTo]),
      [
        [0, 1, 4],
        [1, 5, 8],
        [2, 9, 12],
        [3, 13, 14],
      ],
    );
    assert.equal(pagesIn(chunks), 14);
  });

  test('the first chunk planned blind is the first chunk of the final plan', () => {
    const intervals = selectedIntervals('3-4,7-20');
    const blind = firstChunk(intervals, 4);
    const plan = planChunks(intervals, 9, 4);
    assert.deepEqual(blind, { chunk: 0, pageFrom: 3, pageTo: 4 });
    assert.deepEqual(plan[0], blind);
    assert.deepEqual(
      plan.map((c) => [c.pageFrom, c.pageTo]),
      [
        [3, 4],
        [7, 9],
      ],
    );
  });

  test('a selection beyond the document plans nothing', () => {
    assert.deepEqual(planChunks(selectedIntervals('12-15'), 9, 4), []);
  });
});
