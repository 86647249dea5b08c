import type { BBox, TableCell } from '@docat/contracts';
import { roundBox, union, unionAll, verticalOverlap } from './geometry.js';
import type { LineBox } from './lines.js';

export interface TableRegion {
  bbox: BBox;
  cells: TableCell[];
  lines: LineBox[];
  rows: number;
  cols: number;
}

/** Group line fragments into rows: fragments overlapping vertically share a row. */
export function groupRows(lines: readonly LineBox[]): LineBox[][] {
  const sorted = [...lines].sort((a, b) => a.bbox[1] - b.bbox[1] || a.bbox[0] - b.bbox[0]);
  const rows: { bbox: BBox; items: LineBox[] }[] = [];
  for (const line of sorted) {
    const row = rows[rows.length - 1];
    if (row && verticalOverlap(row.bbox, line.bbox) >= 0.5) {
      row.items.push(line);
      row.bbox = union(row.bbox, line.bbox);
    } else {
      rows.push({ bbox: line.bbox, items: [line] });
    }
  }
  return rows.map((r) => r.items.sort((a, b) => a.bbox[0] - b.bbox[0]));
}

/** Column bands: the x-projection of all fragments, merged where they overlap. */
function columnBands(lines: readonly LineBox[], minGap: number): [number, number][] {
  const spans = lines
    .map((l) => [l.bbox[0], l.bbox[2]] as [number, number])
    .sort((a, b) => a[0] - b[0]);
  const bands: [number, number][] = [];
  for (const [x0, x1] of spans) {
    const last = bands[bands.length - 1];
    if (last && x0 < last[1] + minGap) last[1] = Math.max(last[1], x1);
    else bands.push([x0, x1]);
  }
  return bands;
}

/**
 * Recognise a set of lines as one table: at least three rows and two column bands
 * separated by whitespace, most rows filled in several columns, and cells short
 * (prose in two text columns also forms two bands, but with long lines).
 */
export function detectTable(
  lines: readonly LineBox[],
  pageWidth: number,
  em: number,
): TableRegion | undefined {
  if (lines.length < 6) return undefined;
  const rows = groupRows(lines);
  if (rows.length < 3) return undefined;
  const bands = columnBands(lines, em * 0.5);
  if (bands.length < 2) return undefined;
  const multi = rows.filter((r) => r.length >= 2).length;
  if (multi / rows.length < 0.6) return undefined;
  const meanLength = lines.reduce((n, l) => n + l.text.length, 0) / lines.length;
  if (meanLength > 40) return undefined;
  const wide = bands.filter((b) => b[1] - b[0] > pageWidth * 0.3).length;
  if (bands.length === 2 && wide === 2) return undefined;

  const cells: TableCell[] = [];
  rows.forEach((row, r) => {
    const byCol = new Map<number, LineBox[]>();
    for (const line of row) {
      const cx = (line.bbox[0] + line.bbox[2]) / 2;
      let col = bands.findIndex((b) => cx >= b[0] - 0.01 && cx <= b[1] + 0.01);
      if (col < 0) col = 0;
      byCol.set(col, [...(byCol.get(col) ?? []), line]);
    }
    for (const [c, parts] of [...byCol].sort((a, b) => a[0] - b[0])) {
      cells.push({
        row: r,
        col: c,
        bbox: roundBox(unionAll(parts.map((p) => p.bbox))),
        text: parts.map((p) => p.text).join(' '),
      });
    }
  });
  return {
    bbox: unionAll(lines.map((l) => l.bbox)),
    cells,
    lines: rows.flat(),
    rows: rows.length,
    cols: bands.length,
  };
}
