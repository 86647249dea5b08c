import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BBox } from '@docat/contracts';
import {
  columnRuns,
  holdsObstacle,
  largestFittingScale,
  type FlowCandidate,
} from './column-flow.js';

const para = (box: BBox, size = 10): FlowCandidate => ({ box, size, type: 'paragraph' });
const heading = (box: BBox, size = 12): FlowCandidate => ({ box, size, type: 'heading' });

describe('columnRuns', () => {
  test('paragraphs and a heading down one column make one run', () => {
    const members = [
      para([50, 100, 290, 160]),
      para([50, 163, 290, 220]),
      heading([50, 232, 180, 246]),
      para([50, 250, 290, 330]),
    ];
    assert.deepEqual(columnRuns(members, []), [[0, 1, 2, 3]]);
  });

  test('the next column starts a run of its own', () => {
    const members = [
      para([50, 100, 290, 160]),
      para([50, 163, 290, 700]),
      para([310, 100, 550, 300]),
      para([310, 303, 550, 400]),
    ];
    assert.deepEqual(columnRuns(members, []), [
      [0, 1],
      [2, 3],
    ]);
  });

  test('a wide gap, a figure in the gap, a table cell or a footnote ends the run', () => {
    const wide = [para([50, 100, 290, 160]), para([50, 200, 290, 260])];
    assert.deepEqual(columnRuns(wide, []), []);
    const figure = [para([50, 100, 290, 160]), para([50, 170, 290, 260])];
    assert.deepEqual(columnRuns(figure, [[60, 162, 200, 168]]), []);
    // A box beside the gap, not in it, does not.
    assert.deepEqual(columnRuns(figure, [[300, 162, 400, 168]]), [[0, 1]]);
    const cell = [para([50, 100, 290, 160]), null, para([50, 163, 290, 220])];
    assert.deepEqual(columnRuns(cell, []), []);
    const footnote = [
      para([50, 100, 290, 160]),
      para([50, 163, 290, 220]),
      para([50, 225, 290, 240], 8),
    ];
    assert.deepEqual(columnRuns(footnote, []), [[0, 1]]);
  });

  test('a centred block or one in another column does not follow', () => {
    const centred = [para([50, 100, 290, 160]), heading([120, 165, 220, 177])];
    assert.deepEqual(columnRuns(centred, []), []);
    const indented = [para([50, 100, 290, 160]), para([60, 163, 290, 200])];
    assert.deepEqual(columnRuns(indented, []), [[0, 1]]);
  });

  test('captions and headers take no part', () => {
    const members: FlowCandidate[] = [
      { box: [50, 100, 290, 120], size: 10, type: 'caption' },
      para([50, 123, 290, 160]),
      para([50, 163, 290, 220]),
    ];
    assert.deepEqual(columnRuns(members, []), [[1, 2]]);
  });
});

describe('holdsObstacle', () => {
  test('a glyph inside the box counts, one touching its edge does not', () => {
    assert.equal(holdsObstacle([50, 100, 290, 160], [[100, 120, 106, 130]]), true);
    assert.equal(holdsObstacle([50, 100, 290, 160], [[100, 159, 106, 169]]), false);
  });
});

describe('largestFittingScale', () => {
  test('full size when it fits, the largest scale that fits otherwise, none below the floor', () => {
    assert.equal(
      largestFittingScale((s) => 100 * s, 120, 0.6),
      1,
    );
    const s = largestFittingScale((s) => 200 * s, 150, 0.6)!;
    assert.ok(s > 0.74 && s <= 0.755, String(s));
    assert.equal(
      largestFittingScale((s) => 300 * s, 150, 0.6),
      undefined,
    );
  });
});
