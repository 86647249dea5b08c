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

/**
 * Column bands: the x-projection of all fragments, with a gutter wherever the text is
 * sparse next to the columns on either side and every fragment there started before it.
 * A title, a section heading or a footer line that spans several columns then no longer
 * joins them into one band, while a sparse column (a few cells between its neighbours)
 * and the ragged left edge of a column set flush right stay text.
 */
function columnBands(lines: readonly LineBox[], minGap: number): [number, number][] {
  const spans = lines.map((l) => [l.bbox[0], l.bbox[2]] as [number, number]);
  if (spans.length === 0) return [];
  const edges = [...new Set(spans.flat())].sort((a, b) => a - b);
  // Coverage of each elementary interval between two consecutive edges.
  const cover = new Array<number>(Math.max(0, edges.length - 1)).fill(0);
  const at = new Map(edges.map((x, i) => [x, i]));
  for (const [x0, x1] of spans) for (let i = at.get(x0)!; i < at.get(x1)!; i++) cover[i]! += 1;
  const sparse = Math.max(1, Math.floor(Math.max(...cover) * 0.4));
  // Runs of sparse intervals [from, to) (interval indices), and the text between them.
  const runs: [number, number][] = [];
  for (let i = 0; i < cover.length;) {
    if (cover[i]! > sparse) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < cover.length && cover[j + 1]! <= sparse) j++;
    runs.push([i, j + 1]);
    i = j + 1;
  }
  const peakOf = (from: number, to: number): number =>
    to > from ? Math.max(...cover.slice(from, to)) : 0;
  const gutters: [number, number][] = [];
  runs.forEach(([i, j], k) => {
    const [r0, r1] = [edges[i]!, edges[j]!];
    // A gutter is sparse beside the text on both sides of it, not only beside the page's
    // fullest column: a dip in one column's coverage is not a gutter.
    const sides = [
      peakOf(k > 0 ? runs[k - 1]![1] : 0, i),
      peakOf(j, runs[k + 1]?.[0] ?? cover.length),
    ];
    const beside = Math.min(...sides.filter((p) => p > 0));
    // Text that starts in the run is text (a sparse column, the ragged left edge of a column
    // set flush right); a line that starts before it and runs on into it or across it is a
    // title or heading spanning columns.
    const inside = spans
      .filter(([x0, x1]) => x0 > r0 && x0 < r1 && x1 > x0)
      .sort((a, b) => a[0] - b[0]);
    const pieces: [number, number][] = [];
    let from = r0;
    for (const [x0, x1] of inside) {
      if (x0 - from >= minGap) pieces.push([from, x0]);
      from = Math.max(from, Math.min(x1, r1));
    }
    if (r1 - from >= minGap) pieces.push([from, r1]);
    const low = Number.isFinite(beside) ? beside * 0.4 : sparse;
    for (const [p0, p1] of pieces) {
      // The stretches of the piece that are that sparse.
      let g0: number | undefined;
      for (let e = at.get(p0)!; e <= at.get(p1)!; e++) {
        const open = e < at.get(p1)! && cover[e]! <= low;
        if (open && g0 === undefined) g0 = edges[e]!;
        if (!open && g0 !== undefined) {
          if (edges[e]! - g0 >= minGap) gutters.push([g0, edges[e]!]);
          g0 = undefined;
        }
      }
    }
  });
  const bands: [number, number][] = [];
  let start = edges[0]!;
  for (const [g0, g1] of gutters) {
    if (g0 > start) bands.push([start, g0]);
    start = g1;
  }
  if (edges[edges.length - 1]! > start) bands.push([start, edges[edges.length - 1]!]);
  return bands;
}

/**
 * Recognise a set of lines as one table: at least three rows and two column bands
 * separated by whitespace, most rows filled in several columns, and cells short
 * (prose in two text columns also forms two bands, but with long lines; in three or
 * more narrow columns its lines are short, but most hold five words or more).
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
  // Narrow text columns (a Federal Register page has three) have short lines too, but
  // most of them are runs of words: a table's cells are mostly a few words or numbers.
  const prose = lines.filter((l) => (l.text.match(/\p{L}{2,}/gu)?.length ?? 0) >= 5).length;
  if (prose > lines.length * 0.6) return undefined;

  const cells: TableCell[] = [];
  rows.forEach((row, r) => {
    const byCol = new Map<number, LineBox[]>();
    for (const line of row) {
      // A fragment belongs to the band it starts in (one that spans columns, to the first);
      // one that starts in a gutter (a wide number set flush right) to the band it runs into.
      const [x0, , x1] = line.bbox;
      let col = bands.findIndex((b) => x0 >= b[0] - 0.01 && x0 <= b[1] + 0.01);
      if (col < 0) col = bands.findIndex((b) => b[0] > x0 && b[0] < x1);
      if (col < 0)
        col = Math.max(
          0,
          bands.findLastIndex((b) => b[1] <= x0),
        );
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
