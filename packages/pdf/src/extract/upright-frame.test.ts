import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boxFromUpright, uprightBox } from './upright-frame.js';

// A 600 x 800 page; a box near the top-left corner of the upright reading.
test('boxes read upright go back to the page as displayed', () => {
  assert.deepEqual(uprightBox(600, 800, 90), { width: 800, height: 600 });
  assert.deepEqual(uprightBox(600, 800, 180), { width: 600, height: 800 });
  // Turned 90 clockwise to read: the upright top-left is the displayed bottom-left.
  assert.deepEqual(boxFromUpright([10, 20, 110, 40], 600, 800, 90), [20, 690, 40, 790]);
  assert.deepEqual(boxFromUpright([10, 20, 110, 40], 600, 800, 180), [490, 760, 590, 780]);
  // Turned 270 clockwise: the upright top-left is the displayed top-right.
  assert.deepEqual(boxFromUpright([10, 20, 110, 40], 600, 800, 270), [560, 10, 580, 110]);
});
