import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCanvas } from '@napi-rs/canvas';
import {
  greyOfRgba,
  isPgm,
  pgmOfRgba,
  readPgm,
  rotateGrey,
  toPgm,
  type GreyImage,
} from './grey-image.js';
import { greyOf } from './ocr-ink.js';

// A 3 x 2 image: rows [0 1 2] and [3 4 5].
const small: GreyImage = { width: 3, height: 2, data: Uint8Array.from([0, 1, 2, 3, 4, 5]) };
const rows = (g: GreyImage) =>
  Array.from({ length: g.height }, (_, y) => [...g.data.subarray(y * g.width, (y + 1) * g.width)]);

test('a grey image is written as a binary PGM and read back as it was', () => {
  const file = toPgm(small);
  assert.equal(file.subarray(0, 11).toString('latin1'), 'P5\n3 2\n255\n');
  assert.ok(isPgm(file));
  assert.deepEqual(rows(readPgm(file)), rows(small));
  // A header with a comment, as other writers make it.
  const commented = Buffer.concat([Buffer.from('P5\n# made by hand\n3 2\n255\n'), small.data]);
  assert.deepEqual(rows(readPgm(commented)), rows(small));
  assert.throws(() => readPgm(Buffer.from('P5\n3 2\n255\n\x00')), /Truncated PGM data/);
  assert.throws(() => readPgm(Buffer.from('P5\n3 2\n65535\n')), /only 8-bit/);
  assert.throws(() => readPgm(Buffer.from('\x89PNG')), /Not a binary PGM/);
});

test('a grey image turns clockwise by quarter and half turns', () => {
  assert.deepEqual(rows(rotateGrey(small, 90)), [
    [3, 0],
    [4, 1],
    [5, 2],
  ]);
  assert.deepEqual(rows(rotateGrey(small, 180)), [
    [5, 4, 3],
    [2, 1, 0],
  ]);
  assert.deepEqual(rows(rotateGrey(small, 270)), [
    [2, 5],
    [1, 4],
    [0, 3],
  ]);
});

test('colour turns to grey with the luma weights, and a PNG reads as the PGM of its pixels', async () => {
  const rgba = Uint8Array.from([255, 255, 255, 255, 0, 0, 0, 255, 255, 0, 0, 255, 0, 0, 255, 255]);
  assert.deepEqual([...greyOfRgba(rgba, 4, 1).data], [255, 0, 76, 29]);
  assert.deepEqual(
    pgmOfRgba(rgba, 2, 2),
    toPgm({ width: 2, height: 2, data: greyOfRgba(rgba, 4, 1).data }),
  );
  const canvas = createCanvas(4, 2);
  const context = canvas.getContext('2d');
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, 4, 2);
  context.fillStyle = '#000000';
  context.fillRect(1, 0, 2, 1);
  const png = await canvas.encode('png');
  const grey = await greyOf(png);
  assert.deepEqual(rows(grey), [
    [255, 0, 0, 255],
    [255, 255, 255, 255],
  ]);
  assert.deepEqual(rows(await greyOf(toPgm(grey))), rows(grey));
});
