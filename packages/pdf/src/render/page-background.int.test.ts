import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PDFDocument, rgb } from 'pdf-lib';
import { sampleBackgrounds } from './page-background.js';

test("a box between tight rows of ink is covered with the paper's colour, not grey", async () => {
  // A cream page; a row of text (a box of a table, drawn as bars of ink) with the rows above
  // and below it close enough that a ring just outside the box runs through their ink.
  const doc = await PDFDocument.create();
  const page = doc.addPage([400, 200]);
  const paper = rgb(0.96, 0.93, 0.85);
  page.drawRectangle({ x: 0, y: 0, width: 400, height: 200, color: paper });
  const ink = rgb(0.1, 0.1, 0.1);
  // Rows 10 points apart, their ink 6 points tall (y from the top: the box's row is 100-110).
  for (const top of [84, 92, 100, 108, 116]) {
    for (let x = 50; x < 350; x += 12)
      page.drawRectangle({ x, y: 200 - top - 6, width: 7, height: 6, color: ink });
  }
  const [colour] = await sampleBackgrounds(await doc.save(), 1, [[48, 99, 352, 107]]);
  const [r, g, b] = colour!;
  assert.ok(
    Math.abs(r - 0.96) < 0.04 && Math.abs(g - 0.93) < 0.04 && Math.abs(b - 0.85) < 0.04,
    `cover ${colour!.map((v) => v.toFixed(2)).join(', ')}`,
  );
});
