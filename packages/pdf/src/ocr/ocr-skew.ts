import type { BBox, Page, Span } from '@docat/contracts';
import { mapBoxes } from '../extract/upright-frame.js';
import { frameAxes } from '../layout/rotated-text.js';
import type { OcrLine } from './ocr-adapter.js';

/**
 * A scan lying this far off level (radians, about a quarter of a degree) is laid out
 * levelled: across a page-wide line of 12-point text, the drift is then a third of a line,
 * enough for the layout's line grouping to take words of the next line into this one.
 */
export const MIN_SKEW = 0.004;
/** Beyond this (about 10 degrees) the reading is not of a skewed page but of slanted text. */
const MAX_SKEW = 0.18;
/** Lines with at least this many words tell the page's skew. */
const MIN_WORDS = 3;
/** ...and at least this many such lines. */
const MIN_LINES = 3;

/** A line's baseline slope: the engine's, or fitted through the words' centres. */
function slopeOf(line: OcrLine): number | undefined {
  if (line.slope !== undefined) return line.slope;
  const pts = line.words.map((w) => [(w.x0 + w.x1) / 2, (w.y0 + w.y1) / 2] as const);
  const n = pts.length;
  const mx = pts.reduce((a, p) => a + p[0], 0) / n;
  const my = pts.reduce((a, p) => a + p[1], 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const [x, y] of pts) {
    sxx += (x - mx) ** 2;
    sxy += (x - mx) * (y - my);
  }
  return sxx > 0 ? sxy / sxx : undefined;
}

/**
 * The angle (radians; positive when lines run down to the right, in image coordinates) at
 * which the scan's lines lie: the median of its longer lines' baseline slopes, each line
 * counted once per word. 0 when too few lines say, or when they disagree with level text.
 */
export function skewOf(lines: readonly OcrLine[]): number {
  const slopes: number[] = [];
  let counted = 0;
  for (const line of lines) {
    if (line.words.length < MIN_WORDS) continue;
    const s = slopeOf(line);
    if (s === undefined || !Number.isFinite(s)) continue;
    counted++;
    for (let i = 0; i < line.words.length; i++) slopes.push(s);
  }
  if (counted < MIN_LINES) return 0;
  slopes.sort((a, b) => a - b);
  const angle = Math.atan(slopes[Math.floor(slopes.length / 2)]!);
  return Math.abs(angle) >= MIN_SKEW && Math.abs(angle) <= MAX_SKEW ? angle : 0;
}

/** `p` turned by `angle` (radians, clockwise on screen) about `(cx, cy)`. */
function turn(x: number, y: number, angle: number, cx: number, cy: number): [number, number] {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  return [cx + (x - cx) * c - (y - cy) * s, cy + (x - cx) * s + (y - cy) * c];
}

/**
 * Spans read on a page skewed by `angle` (see `skewOf`), as they lie once the page is
 * levelled about its centre: each word's centre is turned back, and its box shrunk from
 * the upright box around the tilted word to the word's own size.
 */
export function levelSpans(
  spans: readonly Span[],
  angle: number,
  width: number,
  height: number,
): Span[] {
  const c = Math.abs(Math.cos(angle));
  const s = Math.abs(Math.sin(angle));
  const d = c * c - s * s;
  return spans.map((span) => {
    const [x0, y0, x1, y1] = span.bbox;
    const W = x1 - x0;
    const H = y1 - y0;
    // W = w·cos + h·sin and H = h·cos + w·sin for a w x h word tilted by the angle.
    const w = Math.min(W, Math.max(W / 2, (W * c - H * s) / d));
    const h = Math.min(H, Math.max(H / 2, (H * c - W * s) / d));
    const [cx, cy] = turn((x0 + x1) / 2, (y0 + y1) / 2, -angle, width / 2, height / 2);
    return { ...span, bbox: [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2] };
  });
}

/** A point of the levelled page (see `levelSpans`) back on the page skewed by `angle`. */
export function pointFromLevel(
  x: number,
  y: number,
  angle: number,
  width: number,
  height: number,
): [number, number] {
  return turn(x, y, angle, width / 2, height / 2);
}

/**
 * A page laid out levelled (see `levelSpans`) put back on the page, `toPage` taking a point
 * of the levelled page to the page as displayed (the skew turned back, and any quarter turn
 * that made the scan read upright). Each block is set at the scan's angle (`Block.angle`
 * and `Block.frame`, as text at an angle is), so that its translation runs along the scan's
 * lines and the cover under it is the tilted paragraph's own rectangle, not the larger
 * upright box around it. Lines, spans and cells get the upright boxes around their text.
 */
export function tiltPage(
  page: Page,
  angle: number,
  toPage: (x: number, y: number) => [number, number],
): Page {
  const corners = (b: BBox) => [
    toPage(b[0], b[1]),
    toPage(b[2], b[1]),
    toPage(b[0], b[3]),
    toPage(b[2], b[3]),
  ];
  const bounds = (points: [number, number][]): BBox => [
    Math.min(...points.map((p) => p[0])),
    Math.min(...points.map((p) => p[1])),
    Math.max(...points.map((p) => p[0])),
    Math.max(...points.map((p) => p[1])),
  ];
  // Quarter turns keep a rectangle tilted by the same angle against the page's axes.
  const degrees = Math.round(((-angle * 180) / Math.PI) * 1000) / 1000;
  const { u, d } = frameAxes(degrees);
  const inFrame = ([x, y]: [number, number]): [number, number] => [
    x * u[0] + y * u[1],
    x * d[0] + y * d[1],
  ];
  const mapped = mapBoxes(page, (b) => bounds(corners(b)));
  return {
    ...mapped,
    blocks: mapped.blocks.map((block, i) => ({
      ...block,
      angle: degrees,
      frame: bounds(corners(page.blocks[i]!.bbox).map(inFrame)),
    })),
  };
}
