import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BBox } from '@docat/contracts';
import type { LineBox } from './lines.js';
import { detectTable } from './tables.js';

function line(text: string, x0: number, row: number, width = text.length * 5): LineBox {
  const bbox: BBox = [x0, 100 + row * 12, x0 + width, 110 + row * 12];
  return { bbox, spans: [], text, size: 10, bold: false };
}

/** A price list printed from a spreadsheet: labels, three figures, a link flush right. */
function priceList(): LineBox[] {
  const rows: LineBox[] = [
    line('National Weekly Energy Round-Up of the Week', 17, 0, 167),
    line('This week', 185, 1, 57),
    line('Last week', 256, 1, 46),
    line('Report', 500, 1, 40),
    line('Inedible Packer Bleachable Tallow ($/cwt)', 17, 2, 190),
  ];
  const labels = ['Iowa', 'Minnesota', 'Nebraska', 'South Dakota', 'Wisconsin'];
  labels.forEach((label, i) => {
    const r = 3 + i;
    rows.push(line(label, 29, r));
    rows.push(line('1.35 - 1.42', 191, r, 44));
    rows.push(line('1.38 - 1.43', 257, r, 44));
    const link = `${label} Ethanol`;
    rows.push(line(link, 540 - link.length * 5, r));
  });
  return rows;
}

test('a heading that spans columns does not join them', () => {
  const table = detectTable(priceList(), 612, 10);
  assert.ok(table, 'a table');
  assert.equal(table.cols, 4, 'labels, two figures and the links');
  const row = (r: number) =>
    table.cells
      .filter((c) => c.row === r)
      .sort((a, b) => a.col - b.col)
      .map((c) => c.text);
  assert.deepEqual(row(3), ['Iowa', '1.35 - 1.42', '1.38 - 1.43', 'Iowa Ethanol']);
  // The spanning lines belong to the column they start in.
  assert.deepEqual(row(0), ['National Weekly Energy Round-Up of the Week']);
  assert.deepEqual(row(2), ['Inedible Packer Bleachable Tallow ($/cwt)']);
});

test('a sparse column wholly between its neighbours keeps its place', () => {
  const rows = priceList();
  // A note in two rows only, in the gap between the second figure and the links.
  rows.push(line('n/a', 360, 4, 15));
  rows.push(line('est.', 360, 6, 18));
  const table = detectTable(rows, 612, 10);
  assert.ok(table);
  assert.equal(table.cols, 5);
  const note = table.cells.filter((c) => c.text === 'n/a' || c.text === 'est.');
  assert.equal(new Set(note.map((c) => c.col)).size, 1, 'both notes in one column');
  assert.ok(
    note.every((c) => c.col === 3),
    JSON.stringify(note),
  );
});

test('three narrow columns of prose are not a table, though their lines are short', () => {
  // As a Federal Register page sets its text: three columns 170 pt wide, lines of 30-45
  // characters, most of them runs of five words or more.
  const prose = [
    'This section of the FEDERAL REGISTER',
    'contains notices to the public of the',
    'proposed issuance of rules and',
    'regulations. The purpose of these notices',
    'is to give interested persons an',
    'opportunity to participate in the rule',
    'making prior to the adoption of the',
    'final rules.',
  ];
  const lines = prose.flatMap((text, row) =>
    [45, 225, 405].map((x) => line(text, x, row, Math.min(170, text.length * 4.2))),
  );
  assert.equal(detectTable(lines, 612, 9), undefined);
  // The same grid of short cells is one.
  const cells = prose.flatMap((_, row) =>
    [45, 225, 405].map((x, c) => line(c === 0 ? `Item ${row}` : `${row * 7 + c}.00`, x, row)),
  );
  assert.ok(detectTable(cells, 612, 9));
});
