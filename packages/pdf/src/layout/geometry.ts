import type { BBox } from '@docat/contracts';

export const width = (b: BBox): number => b[2] - b[0];
export const height = (b: BBox): number => b[3] - b[1];
export const area = (b: BBox): number => Math.max(0, width(b)) * Math.max(0, height(b));

export function union(a: BBox, b: BBox): BBox {
  return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])];
}

export function unionAll(boxes: readonly BBox[]): BBox {
  let out: BBox = boxes[0] ?? [0, 0, 0, 0];
  for (let i = 1; i < boxes.length; i++) out = union(out, boxes[i]!);
  return out;
}

export function intersection(a: BBox, b: BBox): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  return w > 0 && h > 0 ? w * h : 0;
}

/** Vertical overlap of two boxes as a share of the smaller height. */
export function verticalOverlap(a: BBox, b: BBox): number {
  const o = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  const h = Math.min(height(a), height(b));
  return h > 0 ? o / h : 0;
}

/** Share of `inner` covered by `outer`. */
export function coverage(inner: BBox, outer: BBox): number {
  const a = area(inner);
  return a > 0 ? intersection(inner, outer) / a : 0;
}

/** Two decimals keep JSON small and byte-stable across runs. */
export function roundBox(b: BBox): BBox {
  return [round2(b[0]), round2(b[1]), round2(b[2]), round2(b[3])];
}

export function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Apply a PDF matrix [a b c d e f] to a point. */
export function applyMatrix(m: readonly number[], x: number, y: number): [number, number] {
  return [m[0]! * x + m[2]! * y + m[4]!, m[1]! * x + m[3]! * y + m[5]!];
}

export function multiply(m1: readonly number[], m2: readonly number[]): number[] {
  return [
    m1[0]! * m2[0]! + m1[2]! * m2[1]!,
    m1[1]! * m2[0]! + m1[3]! * m2[1]!,
    m1[0]! * m2[2]! + m1[2]! * m2[3]!,
    m1[1]! * m2[2]! + m1[3]! * m2[3]!,
    m1[0]! * m2[4]! + m1[2]! * m2[5]! + m1[4]!,
    m1[1]! * m2[4]! + m1[3]! * m2[5]! + m1[5]!,
  ];
}

/** Axis-aligned box of a rectangle mapped through a matrix. */
export function transformRect(
  m: readonly number[],
  x0: number,
  y0: number,
  x1: number,
  y1: number,
): BBox {
  const pts = [
    applyMatrix(m, x0, y0),
    applyMatrix(m, x1, y0),
    applyMatrix(m, x0, y1),
    applyMatrix(m, x1, y1),
  ];
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}
