import type { BBox } from '@docat/contracts';
import type { Alignment } from './block-style.js';
import { mathSetting, onBaseline, type MathSetting } from './inline-math.js';
import { breakSegments, wrapLines, type WrappedLine } from './line-breaker.js';
import type { LineStyle, ShapedLine, TextShaper } from './text-shaper.js';

/**
 * A stretch of the text set in another style than the block's: a line's style, with its
 * offsets in the block's text (each line's share is cut from it when the line is shaped).
 */
export type StyledStretch = LineStyle;

/** One line placed in drawing space (points, origin bottom-left of the displayed page, y up). */
export interface PlacedLine {
  shaped: ShapedLine;
  x: number;
  baseline: number;
  /** Extra advance after each word space (or each glyph, for lines without spaces) to justify. */
  extraPerSpace: number;
  extraPerGlyph: number;
}

export interface BlockSetting {
  size: number;
  lines: PlacedLine[];
  /** The text did not fit the box even at the smallest allowed size. */
  overflow: boolean;
  missing: string[];
}

export interface SetOptions {
  /** Box in displayed-page coordinates, top-left origin, y down. */
  box: BBox;
  pageWidth: number;
  pageHeight: number;
  size: number;
  lineSpacing: number;
  align: Alignment;
  /** Smallest size as a share of `size`. */
  minScale: number;
  /**
   * Space kept free at the start of the first line, in points (a paragraph indent, or a
   * run-in heading set as its own block on that line). The first line ends at the box's
   * end whatever the alignment, so a right-aligned (right-to-left) first line keeps it
   * on its left, where the source had it.
   */
  firstIndent?: number;
  /**
   * Space kept free at the start of every line after the first, in points: a list item's
   * hanging indent, which keeps its wrapped lines clear of its bullet. Left-aligned and
   * justified text only.
   */
  restIndent?: number;
  /** Stretches in other styles, sorted and apart; the rest of the text is set with the block's shaper. */
  stretches?: readonly StyledStretch[];
  /**
   * Free space around `box` (holding it) the text may take at its source size before it
   * is shrunk: more lines below the box, a longer line beside it.
   */
  room?: BBox;
}

interface Piece extends MathSetting {
  text: string;
  shaper: TextShaper;
  color?: [number, number, number];
  href?: string;
  /** Tells the stretches of one block apart (two links to the same target). */
  link?: number;
}

/** `text` (starting at `at` in the block's text) cut where its style changes. */
function piecesOf(
  text: string,
  at: number,
  base: TextShaper,
  stretches: readonly StyledStretch[],
): Piece[] {
  const out: Piece[] = [];
  const end = at + text.length;
  let pos = at;
  for (const s of stretches) {
    if (s.end <= pos || s.start >= end) continue;
    if (s.start > pos) out.push({ text: text.slice(pos - at, s.start - at), shaper: base });
    const to = Math.min(s.end, end);
    out.push({
      text: text.slice(Math.max(s.start, pos) - at, to - at),
      shaper: s.shaper,
      ...(s.color ? { color: s.color } : {}),
      ...(s.href ? { href: s.href, link: s.link ?? 0 } : {}),
      ...mathSetting(s),
    });
    pos = to;
  }
  if (pos < end) out.push({ text: text.slice(pos - at), shaper: base });
  return out.filter((p) => p.text.length > 0);
}

/**
 * One line with its stretches in their styles. The line's shaper orders it for display
 * as a whole (the bidi algorithm across the stretches), so in a right-to-left line a
 * styled word keeps its visual place.
 */
function shapeStyled(
  line: WrappedLine,
  base: TextShaper,
  stretches: readonly StyledStretch[],
): ShapedLine {
  const end = line.at + line.text.length;
  const styles: LineStyle[] = stretches
    .filter((s) => s.end > line.at && s.start < end)
    .map((s) => ({
      ...s,
      start: Math.max(s.start, line.at) - line.at,
      end: Math.min(s.end, end) - line.at,
    }));
  return base.shapeLine(line.text, styles);
}

/** Height of a line's ink box as a share of the font size (ascender to descender). */
export const LINE_BOX = 0.9;
/** Distance from a line's top to its baseline, as a share of the font size. */
const ASCENT = 0.8;
const SHRINK_STEP = 0.95;
/** Most extra width a justified line adds to one word space, as a share of the font size. */
const MAX_EXTRA_SPACE = 0.6;
const FIT_TOLERANCE = 1;

/** Height of `count` lines set at `size` with `spacing` (baseline to baseline over size): first line's top to last line's foot. */
export function blockHeight(count: number, size: number, spacing: number): number {
  return (count - 1) * size * spacing + size * LINE_BOX;
}

function linesFit(count: number, size: number, spacing: number, height: number): boolean {
  return blockHeight(count, size, spacing) <= height + FIT_TOLERANCE;
}

/** How many lines `text` takes set at `size` across the width of `opts.box`, wrapped as `setBlock` wraps it. */
export function lineCount(
  text: string,
  shaper: TextShaper,
  opts: SetOptions,
  size: number,
): number {
  return wrapper(text, shaper, opts).wrapIn(opts.box, size).length;
}

/** The width measure and line wrapping `setBlock` uses for `text`. */
function wrapper(
  text: string,
  shaper: TextShaper,
  opts: SetOptions,
): {
  measure: (s: string, at: number) => number;
  indentIn: (area: BBox) => number;
  restIndentIn: (area: BBox) => number;
  wrapIn: (area: BBox, size: number) => WrappedLine[];
} {
  const stretches = opts.stretches ?? [];
  const measure =
    stretches.length === 0
      ? (s: string) => shaper.measure(s)
      : (s: string, at: number) =>
          piecesOf(s, at, shaper, stretches).reduce(
            (w, p) => w + p.shaper.measure(p.text) * (p.scale ?? 1),
            0,
          );
  const indentIn = (area: BBox): number =>
    opts.align === 'center'
      ? 0
      : Math.min(Math.max(0, opts.firstIndent ?? 0), Math.max(1, area[2] - area[0]));
  // A hang of at most a third of the width: the rest of the lines need the room.
  const restIndentIn = (area: BBox): number =>
    opts.align === 'left' || opts.align === 'justify'
      ? Math.min(Math.max(0, opts.restIndent ?? 0), (area[2] - area[0]) / 3)
      : 0;
  // A raised or lowered piece (a footnote mark, a subscript) stays with the text before it.
  const scripts = stretches.filter((s) => !onBaseline(s));
  const glued = (at: number): boolean => scripts.some((s) => s.start <= at && at < s.end);
  const wrapIn = (area: BBox, size: number): WrappedLine[] => {
    const width = Math.max(1, area[2] - area[0]);
    return wrapLines(
      text,
      ((width - restIndentIn(area)) * 1.005) / size,
      measure,
      ((width - indentIn(area)) * 1.005) / size,
      scripts.length > 0 ? glued : undefined,
    );
  };
  return { measure, indentIn, restIndentIn, wrapIn };
}

/**
 * Sets `text` into the box: wrapped at UAX #14 opportunities, at the source size when it
 * fits the box. When it does not, it may use `room` (free space around the box, which
 * holds it) at the source size, and then it is set at the largest size that fits the
 * room, down to `minScale` of the source size. Past that the lines run on below (an
 * overflow), but never off the page: the size drops further if needed. A line that took
 * room sideways keeps only the width it needs.
 */
export function setBlock(text: string, shaper: TextShaper, opts: SetOptions): BlockSetting {
  const room = opts.room ?? opts.box;
  const floor = opts.size * opts.minScale;
  const stretches = opts.stretches ?? [];
  const { measure, indentIn, restIndentIn, wrapIn } = wrapper(text, shaper, opts);
  const fitsIn = (area: BBox, count: number, size: number): boolean =>
    linesFit(count, size, opts.lineSpacing, Math.max(1, area[3] - area[1]));
  let area = opts.box;
  let size = opts.size;
  let lines = wrapIn(area, size);
  let overflow = false;
  if (!fitsIn(area, lines.length, size) && room !== opts.box) {
    area = room;
    lines = wrapIn(area, size);
  }
  if (!fitsIn(area, lines.length, size)) {
    // The largest size that fits, to within half a percent: a bisection between the
    // smallest allowed size (which must fit) and the source size (which does not).
    const atFloor = wrapIn(area, floor);
    if (fitsIn(area, atFloor.length, floor)) {
      let lo = floor;
      let loLines = atFloor;
      let hi = size;
      while (hi - lo > opts.size * 0.005) {
        const mid = (lo + hi) / 2;
        const midLines = wrapIn(area, mid);
        if (fitsIn(area, midLines.length, mid)) {
          lo = mid;
          loLines = midLines;
        } else hi = mid;
      }
      size = lo;
      lines = loLines;
    } else overflow = true;
  }
  if (!overflow && cutsWord(text, lines)) {
    // A word cut between its letters to fit (a long word in a narrow table cell) reads
    // worse than using the room around the box or a smaller size: the room at this size,
    // else the largest size at which no word is cut, when one fits down to the smallest
    // allowed size; else the cut stays.
    const fitsWhole = (a: BBox, s: number): WrappedLine[] | undefined => {
      const l = wrapIn(a, s);
      return fitsIn(a, l.length, s) && !cutsWord(text, l) ? l : undefined;
    };
    const inRoom = area === opts.box && room !== opts.box ? fitsWhole(room, size) : undefined;
    const whole = inRoom ? undefined : fitsWhole(area, floor);
    if (inRoom) {
      area = room;
      lines = inRoom;
    } else if (whole) {
      let lo = floor;
      let loLines = whole;
      let hi = size;
      while (hi - lo > opts.size * 0.005) {
        const mid = (lo + hi) / 2;
        const midLines = fitsWhole(area, mid);
        if (midLines) {
          lo = mid;
          loLines = midLines;
        } else hi = mid;
      }
      size = lo;
      lines = loLines;
    }
  }
  if (overflow) {
    size = floor;
    lines = wrapIn(area, size);
    const below: BBox = [area[0], area[1], area[2], opts.pageHeight - 2];
    while (!fitsIn(below, lines.length, size) && size > 2) {
      size *= SHRINK_STEP;
      lines = wrapIn(area, size);
    }
  }
  if (area !== opts.box)
    area = tighten(area, opts.box, lines, size, measure, indentIn(area), restIndentIn(area));
  const [x0, y0, x1] = area;
  const width = Math.max(1, x1 - x0);
  const indent = indentIn(area);
  const restIndent = restIndentIn(area);
  const missing: string[] = [];
  const placed: PlacedLine[] = lines.map((line, i) => {
    const shaped =
      stretches.length === 0 ? shaper.shapeLine(line.text) : shapeStyled(line, shaper, stretches);
    missing.push(...shaped.missing);
    const w = shaped.width * size;
    const isLast = i === lines.length - 1;
    const lineIndent = i === 0 ? indent : restIndent;
    const lineWidth = width - lineIndent;
    let x = opts.align === 'right' ? x0 : x0 + lineIndent;
    let extraPerSpace = 0;
    let extraPerGlyph = 0;
    const slack = lineWidth - w;
    if (opts.align === 'center') x = x0 + slack / 2;
    else if (opts.align === 'right') x = x1 - w;
    else if (opts.align === 'justify') {
      const glyphs = shaped.runs.flatMap((r) => r.glyphs);
      const spaces = glyphs.filter((g) => g.space).length;
      const stretch = !isLast && slack > 0 && slack < lineWidth * 0.25;
      // Word gaps wider than this read as column gaps (to people and to text extraction):
      // such a line is set ragged instead.
      if (stretch && spaces > 0 && slack / spaces <= size * MAX_EXTRA_SPACE)
        extraPerSpace = slack / spaces;
      else if (stretch && spaces === 0 && glyphs.length > 1)
        extraPerGlyph = slack / (glyphs.length - 1);
      else if (shaper.baseDirection === 'rtl') x = x1 - w;
    }
    const baseline = opts.pageHeight - (y0 + size * ASCENT + i * size * opts.lineSpacing);
    return { shaped, x: Math.max(0, x), baseline, extraPerSpace, extraPerGlyph };
  });
  return { size, lines: placed, overflow, missing };
}

/**
 * Whether the wrapping cut a word between its letters: a line that starts neither after
 * white space nor at a break opportunity (UAX #14, which allows breaks between CJK
 * characters and after hyphens).
 */
function cutsWord(text: string, lines: readonly WrappedLine[]): boolean {
  if (lines.length < 2) return false;
  let opportunities: Set<number> | undefined;
  for (let i = 1; i < lines.length; i++) {
    const { at, text: lineText } = lines[i]!;
    if (lineText === '' || at === 0 || /[\s\u3000]/u.test(text[at - 1] ?? ' ')) continue;
    if (!opportunities) {
      opportunities = new Set<number>();
      let offset = 0;
      for (const seg of breakSegments(text.replace(/\n/gu, ' '))) {
        offset += seg.text.length;
        opportunities.add(offset);
      }
    }
    if (!opportunities.has(at)) return true;
  }
  return false;
}

/**
 * The part of `area` (grown from `box`) the lines need: the box's own width at least,
 * grown on the sides `area` grew, by as much as the widest line needs; the full height.
 */
function tighten(
  area: BBox,
  box: BBox,
  lines: readonly WrappedLine[],
  size: number,
  measure: (s: string, at: number) => number,
  indent: number,
  restIndent: number,
): BBox {
  const widest = Math.max(
    0,
    ...lines.map((l, i) => measure(l.text, l.at) * size + (i === 0 ? indent : restIndent)),
  );
  const extra = Math.max(0, widest - (box[2] - box[0]));
  const left = box[0] - area[0];
  const right = area[2] - box[2];
  if (left <= 0 && right <= 0) return area;
  const share = left + right;
  const x0 = box[0] - Math.min(left, (extra * left) / share);
  const x1 = box[2] + Math.min(right, (extra * right) / share);
  return [x0, area[1], x1, area[3]];
}
