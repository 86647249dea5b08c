import type { BBox, Span, TableCell } from '@docat/contracts';
import type { PathShape } from '../extract/page-reader.js';
import { roundBox, unionAll } from './geometry.js';
import { joinLines } from './hyphenation.js';
import { buildLines, isBulletGlyph, type LineBox } from './lines.js';
import type { TableRegion } from './tables.js';

/** A rule: a horizontal (`h`) or vertical (`v`) segment at `at`, from `from` to `to`. */
interface Rule {
  dir: 'h' | 'v';
  at: number;
  from: number;
  to: number;
}

/** How far apart two rules may be and still meet (stroke widths, rounding). */
const SLACK = 2.5;

/**
 * The shapes that may draw a table's rules: all but the shading behind a word or two inside
 * a line of text (inline code, a highlighted term), which the text fills and which the
 * line's words (or its list item's bullet) run on beside. Shaded terms on lines one under another touch and would
 * otherwise make a grid of them, taking the lines for a table's cells.
 */
export function frameShapes(shapes: readonly PathShape[], spans: readonly Span[]): PathShape[] {
  return shapes.filter((s) => !isInlineShading(s, spans));
}

function isInlineShading(s: PathShape, spans: readonly Span[]): boolean {
  const [x0, y0, x1, y1] = s.bbox;
  if (!s.filled || s.stroked || !s.rectilinear || x1 - x0 <= 4 || y1 - y0 <= 4) return false;
  const inside = spans.filter((sp) => {
    const cx = (sp.bbox[0] + sp.bbox[2]) / 2;
    const cy = (sp.bbox[1] + sp.bbox[3]) / 2;
    return cx >= x0 && cx <= x1 && cy >= y0 && cy <= y1;
  });
  if (inside.length === 0) return false;
  const ink = unionAll(inside.map((sp) => sp.bbox));
  const em = Math.max(...inside.map((sp) => sp.size));
  if (ink[2] - ink[0] < (x1 - x0) * 0.7 || y1 - y0 > Math.max(ink[3] - ink[1], em) * 1.8)
    return false;
  return spans.some((sp) => {
    if (inside.includes(sp)) return false;
    const overlap = Math.min(sp.bbox[3], y1) - Math.max(sp.bbox[1], y0);
    if (overlap < Math.min(sp.bbox[3] - sp.bbox[1], y1 - y0) * 0.5) return false;
    const after = sp.bbox[0] - x1;
    const before = x0 - sp.bbox[2];
    // A list item's bullet stands further off, at its tab stop.
    const reachBack = isBulletGlyph(sp) ? em * 3 : em;
    return (after >= -1 && after <= em) || (before >= -1 && before <= reachBack);
  });
}

/** Rules drawn on the page: thin shapes, and the edges of boxes and shaded cells. */
export function rulesOf(shapes: readonly PathShape[]): Rule[] {
  const out: Rule[] = [];
  for (const s of shapes) {
    const [x0, y0, x1, y1] = s.bbox;
    const w = x1 - x0;
    const h = y1 - y0;
    if (w <= 3 && h > 4) out.push({ dir: 'v', at: (x0 + x1) / 2, from: y0, to: y1 });
    else if (h <= 3 && w > 4) out.push({ dir: 'h', at: (y0 + y1) / 2, from: x0, to: x1 });
    else if (s.rectilinear && w > 4 && h > 4) {
      out.push({ dir: 'h', at: y0, from: x0, to: x1 }, { dir: 'h', at: y1, from: x0, to: x1 });
      out.push({ dir: 'v', at: x0, from: y0, to: y1 }, { dir: 'v', at: x1, from: y0, to: y1 });
    }
  }
  return out;
}

function touches(a: Rule, b: Rule): boolean {
  if (a.dir === b.dir)
    return Math.abs(a.at - b.at) <= SLACK && a.from <= b.to + SLACK && b.from <= a.to + SLACK;
  const [h, v] = a.dir === 'h' ? [a, b] : [b, a];
  return (
    v.at >= h.from - SLACK && v.at <= h.to + SLACK && h.at >= v.from - SLACK && h.at <= v.to + SLACK
  );
}

/** Positions along one axis, merged where closer than SLACK. */
function distinct(values: number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const out: number[] = [];
  for (const v of sorted) if (out.length === 0 || v - out[out.length - 1]! > SLACK) out.push(v);
  return out;
}

export interface Grid {
  bbox: BBox;
  xs: number[];
  ys: number[];
  rules: Rule[];
}

/** Connected sets of rules forming at least two columns or two rows of cells. */
export function gridsOf(rules: readonly Rule[]): Grid[] {
  const parent = rules.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  for (let i = 0; i < rules.length; i++) {
    for (let j = i + 1; j < rules.length; j++)
      if (touches(rules[i]!, rules[j]!)) parent[find(i)] = find(j);
  }
  const groups = new Map<number, Rule[]>();
  rules.forEach((r, i) => groups.set(find(i), [...(groups.get(find(i)) ?? []), r]));
  const out: Grid[] = [];
  for (const group of groups.values()) {
    const xs = distinct(group.filter((r) => r.dir === 'v').map((r) => r.at));
    const ys = distinct(group.filter((r) => r.dir === 'h').map((r) => r.at));
    if (xs.length < 2 || ys.length < 2 || (xs.length - 1) * (ys.length - 1) < 2) continue;
    out.push({
      bbox: [xs[0]!, ys[0]!, xs[xs.length - 1]!, ys[ys.length - 1]!],
      xs,
      ys,
      rules: group,
    });
  }
  return out;
}

/** Whether a vertical rule of the grid separates columns at `x` across the height `y0`-`y1`. */
function walled(grid: Grid, x: number, y0: number, y1: number): boolean {
  const mid = (y0 + y1) / 2;
  return grid.rules.some(
    (r) => r.dir === 'v' && Math.abs(r.at - x) <= SLACK && r.from <= mid && r.to >= mid,
  );
}

function floored(grid: Grid, y: number, x0: number, x1: number): boolean {
  const mid = (x0 + x1) / 2;
  return grid.rules.some(
    (r) => r.dir === 'h' && Math.abs(r.at - y) <= SLACK && r.from <= mid && r.to >= mid,
  );
}

/**
 * Read a ruled grid as a table: each cell is bounded by the rules drawn around it (a cell
 * spans columns or rows where a rule is missing), and holds the spans whose centre lies in
 * it, re-lined inside the cell, so text in neighbouring cells never runs together. A grid
 * holding text in fewer than two cells is a box around text, not a table.
 */
export function readGrid(grid: Grid, spans: readonly Span[]): TableRegion | undefined {
  const { xs, ys } = grid;
  const rows = ys.length - 1;
  const cols = xs.length - 1;
  const owner: number[][] = Array.from({ length: rows }, () => Array<number>(cols).fill(-1));
  const boxes: { row: number; col: number; rowSpan: number; colSpan: number; bbox: BBox }[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (owner[r]![c]! >= 0) continue;
      let c1 = c + 1;
      while (c1 < cols && !walled(grid, xs[c1]!, ys[r]!, ys[r + 1]!)) c1++;
      let r1 = r + 1;
      while (r1 < rows && !floored(grid, ys[r1]!, xs[c]!, xs[c1]!)) r1++;
      const id = boxes.length;
      for (let rr = r; rr < r1; rr++)
        for (let cc = c; cc < c1; cc++) if (owner[rr]![cc]! < 0) owner[rr]![cc] = id;
      boxes.push({
        row: r,
        col: c,
        rowSpan: r1 - r,
        colSpan: c1 - c,
        bbox: [xs[c]!, ys[r]!, xs[c1]!, ys[r1]!],
      });
    }
  }
  const content = boxes.map(() => [] as Span[]);
  for (const s of spans) {
    const cx = (s.bbox[0] + s.bbox[2]) / 2;
    const cy = (s.bbox[1] + s.bbox[3]) / 2;
    const c = xs.findIndex((x, i) => i < cols && cx >= x && cx < xs[i + 1]!);
    const r = ys.findIndex((y, i) => i < rows && cy >= y && cy < ys[i + 1]!);
    if (c < 0 || r < 0) continue;
    content[owner[r]![c]!]!.push(s);
  }
  const cells: TableCell[] = [];
  const lines: LineBox[] = [];
  boxes.forEach((b, i) => {
    const inside = buildLines(content[i]!)
      .filter((l) => l.text.length > 0)
      .sort((a, z) => a.bbox[1] - z.bbox[1] || a.bbox[0] - z.bbox[0]);
    if (inside.length === 0) return;
    lines.push(...inside);
    cells.push({
      row: b.row,
      col: b.col,
      ...(b.rowSpan > 1 ? { rowSpan: b.rowSpan } : {}),
      ...(b.colSpan > 1 ? { colSpan: b.colSpan } : {}),
      bbox: roundBox(b.bbox),
      text: joinLines(inside.map((l) => l.text)),
    });
  });
  // A frame around a page or a column is no table: its "cells" hold whole passages.
  if (cells.length < 2 || boxes.some((_, i) => buildLines(content[i]!).length > 15))
    return undefined;
  return { bbox: unionAll([grid.bbox, ...lines.map((l) => l.bbox)]), cells, lines, rows, cols };
}
