import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BBox } from '@docat/contracts';
import {
  footClear,
  FreeSpace,
  leaderDots,
  rowsOf,
  type InkMap,
  type RoomOptions,
} from './free-space.js';

/** A white page of `width` x `height` points at one pixel a point, with the given boxes painted. */
function page(
  width: number,
  height: number,
  paint: { box: BBox; rgb: [number, number, number] }[] = [],
): InkMap {
  const rgb = new Uint8Array(width * height * 3).fill(255);
  for (const { box, rgb: c } of paint) {
    for (let y = Math.floor(box[1]); y < Math.ceil(box[3]); y++) {
      for (let x = Math.floor(box[0]); x < Math.ceil(box[2]); x++) rgb.set(c, (y * width + x) * 3);
    }
  }
  return { width, height, scale: 1, rgb };
}

const BLACK: [number, number, number] = [0, 0, 0];
const label: BBox = [100, 100, 160, 110];
const right = (limits: BBox = [0, 0, 600, 800]): RoomOptions => ({
  down: false,
  sideways: 'right',
  limits,
  gapX: 3,
  gapY: 2,
});
const down = (limits: BBox = [0, 0, 600, 800]): RoomOptions => ({
  down: true,
  sideways: 'none',
  limits,
  gapX: 3,
  gapY: 2,
});

describe('FreeSpace.room', () => {
  test('a line grows sideways up to a rule the layout does not list, and no further', () => {
    const ink = page(600, 800, [{ box: [300, 50, 301, 200], rgb: BLACK }]);
    const room = new FreeSpace([], ink, []).room(label, right());
    assert.ok(room[2] >= 295 && room[2] < 300, `right edge ${room[2]}`);
    assert.deepEqual([room[0], room[1], room[3]], [100, 100, 110]);
  });

  test('a rule along the top of the line (a form box) does not stop it', () => {
    const ink = page(600, 800, [{ box: [50, 99, 500, 101], rgb: BLACK }]);
    const room = new FreeSpace([], ink, []).room(label, right([0, 0, 400, 800]));
    assert.equal(room[2], 400);
  });

  test('ink whose text was removed does not count, other ink does', () => {
    const ink = page(600, 800, [{ box: [200, 102, 250, 108], rgb: BLACK }]);
    assert.ok(new FreeSpace([], ink, []).room(label, right())[2] < 200);
    assert.ok(new FreeSpace([], ink, [[199, 101, 251, 109]]).room(label, right())[2] > 590);
  });

  test('text on a shaded panel grows to the panel edge: ink is what differs from its background', () => {
    const grey: [number, number, number] = [200, 200, 200];
    const ink = page(600, 800, [{ box: [80, 80, 250, 200], rgb: grey }]);
    const room = new FreeSpace([], ink, []).room(label, { ...down(), sideways: 'right' });
    assert.ok(room[2] > 240 && room[2] <= 250, `right edge ${room[2]}`);
    assert.ok(room[3] > 190 && room[3] <= 200, `bottom ${room[3]}`);
  });

  test('an obstacle on the band stops it; a field box that only touches the band does not', () => {
    const space = new FreeSpace(
      [
        [90, 80, 400, 101],
        [350, 101, 420, 109],
      ],
      undefined,
      [],
    );
    const room = space.room(label, right());
    assert.equal(room[2], 347);
  });

  test('the lines of the next cell stop a centred cell several lines high from growing over them', () => {
    // A cell 70 pt high; the cells beside it hold lines of 10 pt, each well under a quarter of its height.
    const cell: BBox = [374, 201, 447, 270];
    const beside: BBox[] = [
      [211, 224, 368, 234],
      [216, 237, 363, 248],
      [465, 230, 486, 241],
    ];
    const room = new FreeSpace(beside, undefined, []).room(cell, {
      ...down([0, 0, 600, 270]),
      sideways: 'both',
    });
    assert.ok(room[0] >= 368 && room[2] <= 465, `grown to ${room[0]}..${room[2]}`);
  });

  test('growing down stops above the next block, and an enclosing box does not stop it', () => {
    const space = new FreeSpace(
      [
        [50, 50, 500, 500],
        [100, 140, 200, 150],
      ],
      undefined,
      [],
    );
    assert.equal(space.room(label, down())[3], 138);
    assert.equal(space.room(label, down([0, 0, 600, 120]))[3], 120, 'the text area bottom');
  });

  test('lines set since are obstacles too', () => {
    const space = new FreeSpace([], undefined, []);
    assert.equal(
      space.room(label, down([0, 0, 600, 300]), () => false, [[120, 130, 300, 140]])[3],
      128,
    );
  });

  test('growing down stops above a line set just beside its width: two blocks never run on into one line', () => {
    const space = new FreeSpace([], undefined, []);
    // Another block's line ends 1.5 pt left of the label's left edge, on the band below it.
    const beside: BBox = [40, 112, 98.5, 121];
    assert.equal(space.room(label, down([0, 0, 600, 300]), () => false, [beside])[3], 110);
    // One further away than the sideways gap leaves the room below.
    assert.equal(
      space.room(label, down([0, 0, 600, 300]), () => false, [[40, 112, 90, 121]])[3],
      300,
    );
  });
});

describe('leader dots and rows', () => {
  const dot = (x: number, bottom = 110): { box: BBox; text: string } => ({
    box: [x, bottom - 8, x + 2, bottom],
    text: '.',
  });
  test('three or more dots in a row on one baseline are a leader', () => {
    const row = [dot(100), dot(110), dot(120), dot(130)];
    assert.equal(leaderDots(row).size, 4);
    assert.equal(leaderDots([dot(100), dot(110)]).size, 0, 'two dots are punctuation');
    assert.equal(
      leaderDots([dot(100), dot(110, 130), dot(120, 150)]).size,
      0,
      'not on one baseline',
    );
    assert.equal(leaderDots([dot(100), dot(110), dot(160)]).size, 0, 'too far apart');
  });

  test('dots the layout read as blocks of their own are a leader, however few are left', () => {
    // A form's leader: dots 12 points apart, each a block; the label's own dots went with it.
    const left = [dot(324), dot(336)];
    const blocks: BBox[] = [
      [324, 102, 326, 110],
      [336, 102, 338, 110],
    ];
    assert.equal(leaderDots(left, blocks).size, 2);
    assert.equal(leaderDots(left).size, 0, 'without the blocks they are two dots');
    // A full stop inside a block of text is not filler.
    const stop = { box: [200, 102, 202, 110] as BBox, text: '.' };
    assert.equal(leaderDots([stop], blocks).size, 0);
    assert.equal(leaderDots([{ box: blocks[0]!, text: 'x' }], blocks).size, 0, 'dots only');
  });

  test('a label and its leader on one baseline are one row', () => {
    assert.equal(rowsOf([{ bbox: [137, 338, 300, 347] }, { bbox: [312, 338, 314, 347] }]), 1);
    assert.equal(rowsOf([{ bbox: [137, 338, 300, 347] }, { bbox: [137, 350, 300, 359] }]), 2);
  });
});

describe('the foot of the box a translation is set in', () => {
  // Three lines of 6.5 pt at a pitch of 6.5, their boxes 7.8 high (prefilled_f1040's
  // "did not live with you due to divorce or separation"), and the label under it, whose
  // box starts 1.2 points above this one's foot.
  const own: BBox[] = [
    [489.6, 267.9, 543.4, 275.7],
    [489.6, 274.4, 547, 282.2],
    [489.6, 280.9, 530.9, 288.7],
  ];
  const box: BBox = [489.6, 267.9, 547, 288.7];
  const next: BBox = [489.6, 287.5, 542.9, 295.2];

  test('rises to the top of the text below that starts inside it', () => {
    assert.deepEqual(footClear(box, own, 6.5, [next]), [489.6, 267.9, 547, 287.5]);
  });

  test('not for text beside its rows, text apart from it, or past its own last line', () => {
    // The next entry of a reference list starting on the block's last row.
    assert.equal(footClear(box, own, 6.5, [[530, 281, 600, 288.7]]), box);
    // Text under the box, but in another column.
    assert.equal(footClear(box, own, 6.5, [[560, 287.5, 600, 295]]), box);
    // Text below the box's foot.
    assert.equal(footClear(box, own, 6.5, [[489.6, 289, 540, 297]]), box);
    // A line that starts within its last line's letters raises the foot no higher than them.
    assert.deepEqual(footClear(box, own, 6.5, [[489.6, 285.5, 540, 293]]), [
      489.6,
      267.9,
      547,
      280.9 + 6.5 * 0.9,
    ]);
  });
});
