import type { BBox, Block } from '@docat/contracts';

/**
 * Column flow: the paragraphs, headings and list items that follow one another down one
 * column are set as one run of text. A translation longer than its source may then take
 * the room its neighbours leave, and every block of the run is set at one scale of its
 * source size, so that body text keeps one size down the column instead of each
 * paragraph shrinking by what its own box lacks.
 */

/** A block the run may hold: its box (displayed page, y down), source size and type. */
export interface FlowCandidate {
  box: BBox;
  size: number;
  type: Block['type'];
}

const FLOWING = new Set<Block['type']>(['paragraph', 'heading', 'list_item']);

/** Largest gap between two blocks of a run, in source font sizes (a heading's space above it). */
const MAX_GAP = 2;
/** Body blocks of a run differ in size by at most this share (a footnote is smaller: it ends the run). */
const SIZE_SPREAD = 0.06;

/**
 * Runs of blocks set one after another down a column. `members` are a page's translated
 * items in reading order, `null` where an item can take no part (a table cell, text at an
 * angle, a block with something else drawn inside its box): it ends the run it follows.
 * Two blocks follow one another when the second starts just below the first, in the same
 * column (same left edge within a little, widths overlapping), and nothing in `obstacles`
 * (the page's other text and kept glyphs) lies in the gap between them. Answers runs of
 * two blocks or more, as indexes into `members`.
 */
export function columnRuns(
  members: readonly (FlowCandidate | null)[],
  obstacles: readonly BBox[],
): number[][] {
  const runs: number[][] = [];
  let run: number[] = [];
  let body: number | undefined;
  const close = (): void => {
    if (run.length >= 2) runs.push(run);
    run = [];
    body = undefined;
  };
  members.forEach((m, i) => {
    if (!m || !FLOWING.has(m.type)) {
      close();
      return;
    }
    const last = run.length > 0 ? members[run[run.length - 1]!]! : undefined;
    if (last && !(follows(last, m, obstacles) && sizeFits(m, body, run, members))) close();
    run.push(i);
    if (m.type !== 'heading' && body === undefined) body = m.size;
  });
  close();
  return runs;
}

/** Whether `m` keeps the run's sizes: body text within the spread, headings no smaller than it. */
function sizeFits(
  m: FlowCandidate,
  body: number | undefined,
  run: readonly number[],
  members: readonly (FlowCandidate | null)[],
): boolean {
  if (m.type === 'heading') return body === undefined || m.size >= body * (1 - SIZE_SPREAD);
  if (body !== undefined) return Math.abs(m.size - body) <= body * SIZE_SPREAD;
  // The first body block after headings only: no heading of the run may be smaller.
  return run.every((i) => members[i]!.size >= m.size * (1 - SIZE_SPREAD));
}

function width(b: BBox): number {
  return b[2] - b[0];
}

/** `b` starts just below `a`, in `a`'s column, with nothing between them. */
export function follows(a: FlowCandidate, b: FlowCandidate, obstacles: readonly BBox[]): boolean {
  const gap = b.box[1] - a.box[3];
  if (gap < -1 || gap > MAX_GAP * Math.max(a.size, b.size)) return false;
  const overlap = Math.min(a.box[2], b.box[2]) - Math.max(a.box[0], b.box[0]);
  if (overlap < 0.8 * Math.min(width(a.box), width(b.box))) return false;
  if (Math.abs(a.box[0] - b.box[0]) > Math.max(4, 0.12 * Math.max(width(a.box), width(b.box))))
    return false;
  const band: BBox = [
    Math.max(a.box[0], b.box[0]),
    Math.min(a.box[3], b.box[1]),
    Math.min(a.box[2], b.box[2]),
    Math.max(a.box[3], b.box[1]),
  ];
  return !obstacles.some((o) => crosses(o, band));
}

/** Whether `o` reaches into `band` by more than a sliver. */
export function crosses(o: BBox, band: BBox): boolean {
  const w = Math.min(o[2], band[2]) - Math.max(o[0], band[0]);
  const h = Math.min(o[3], band[3]) - Math.max(o[1], band[1]);
  return w > 0.5 && h > 0.5;
}

/** Whether an obstacle covers a real part of `box` (a fifth of its own area or more). */
export function holdsObstacle(box: BBox, obstacles: readonly BBox[]): boolean {
  return obstacles.some((o) => {
    const w = Math.min(o[2], box[2]) - Math.max(o[0], box[0]);
    const h = Math.min(o[3], box[3]) - Math.max(o[1], box[1]);
    if (w <= 0 || h <= 0) return false;
    const area = Math.max(1e-6, (o[2] - o[0]) * (o[3] - o[1]));
    return (w * h) / area >= 0.2;
  });
}

/**
 * The largest scale in [`floor`, 1] at which `total(scale)` (the run's height set at that
 * scale of each block's source size) is at most `available`, to within half a percent;
 * `undefined` when even `floor` does not fit.
 */
export function largestFittingScale(
  total: (scale: number) => number,
  available: number,
  floor: number,
): number | undefined {
  const fits = (s: number): boolean => total(s) <= available + 1;
  if (fits(1)) return 1;
  if (!fits(floor)) return undefined;
  let lo = floor;
  let hi = 1;
  while (hi - lo > 0.005) {
    const mid = (lo + hi) / 2;
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}
