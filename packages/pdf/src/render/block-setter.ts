import type { BBox } from '@docat/contracts';
import type { Alignment } from './block-style.js';
import { wrapLines, type WrappedLine } from './line-breaker.js';
import type { ShapedLine, TextShaper } from './text-shaper.js';

/** A stretch of the text set in another style than the block's: its own shaper (face) and colour. */
export interface StyledStretch {
  start: number;
  end: number;
  shaper: TextShaper;
  color?: [number, number, number];
  href?: string;
  /** Tells the stretches of one block apart (two links to the same target). */
  link?: number;
}

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
  /** Stretches in other styles, sorted and apart; the rest of the text is set with the block's shaper. */
  stretches?: readonly StyledStretch[];
}

interface Piece {
  text: string;
  shaper: TextShaper;
  color?: [number, number, number];
  href?: string;
  /** Tells the stretches of one block apart (two links to the same target). */
  link?: number;
}

/** `text` (starting at `at` in the block's text) cut where its style changes. */
function piecesOf(text: string, at: number, base: TextShaper, stretches: readonly StyledStretch[]): Piece[] {
  const out: Piece[] = [];
  const end = at + text.length;
  let pos = at;
  for (const s of stretches) {
    if (s.end <= pos || s.start >= end) continue;
    if (s.start > pos) out.push({ text: text.slice(pos - at, s.start - at), shaper: base });
    const to = Math.min(s.end, end);
    out.push({ text: text.slice(Math.max(s.start, pos) - at, to - at), shaper: s.shaper, ...(s.color ? { color: s.color } : {}), ...(s.href ? { href: s.href, link: s.link ?? 0 } : {}) });
    pos = to;
  }
  if (pos < end) out.push({ text: text.slice(pos - at), shaper: base });
  return out.filter((p) => p.text.length > 0);
}

/** One line shaped piece by piece, each in its style; pieces run in the line's base direction. */
function shapeStyled(line: WrappedLine, base: TextShaper, stretches: readonly StyledStretch[]): ShapedLine {
  const pieces = piecesOf(line.text, line.at, base, stretches);
  if (pieces.length === 1 && pieces[0]!.shaper === base && !pieces[0]!.color && !pieces[0]!.href) return base.shapeLine(line.text);
  const shaped = pieces.map((p) => {
    const l = p.shaper.shapeLine(p.text);
    return { ...l, runs: l.runs.map((r) => ({ ...r, ...(p.color ? { color: p.color } : {}), ...(p.href ? { href: p.href, link: p.link ?? 0 } : {}) })) };
  });
  if (base.baseDirection === 'rtl') shaped.reverse();
  return {
    runs: shaped.flatMap((l) => l.runs),
    width: shaped.reduce((w, l) => w + l.width, 0),
    missing: shaped.flatMap((l) => l.missing),
  };
}

/** Height of a line's ink box as a share of the font size (ascender to descender). */
const LINE_BOX = 0.9;
/** Distance from a line's top to its baseline, as a share of the font size. */
const ASCENT = 0.8;
const SHRINK_STEP = 0.95;
/** Most extra width a justified line adds to one word space, as a share of the font size. */
const MAX_EXTRA_SPACE = 0.6;
const FIT_TOLERANCE = 1;

function linesFit(count: number, size: number, spacing: number, height: number): boolean {
  return (count - 1) * size * spacing + size * LINE_BOX <= height + FIT_TOLERANCE;
}

/**
 * Sets `text` into the box: wrapped at UAX #14 opportunities, shrunk step by step down
 * to `minScale` of the source size while it does not fit. Past that the lines run on
 * below the box (an overflow), but never off the page: the size drops further if needed.
 */
export function setBlock(text: string, shaper: TextShaper, opts: SetOptions): BlockSetting {
  const [x0, y0, x1, y1] = opts.box;
  const width = Math.max(1, x1 - x0);
  const height = Math.max(1, y1 - y0);
  const floor = opts.size * opts.minScale;
  const indent = opts.align === 'center' ? 0 : Math.min(Math.max(0, opts.firstIndent ?? 0), width);
  const stretches = opts.stretches ?? [];
  const measure = stretches.length === 0 ? (s: string) => shaper.measure(s) : (s: string, at: number) => piecesOf(s, at, shaper, stretches).reduce((w, p) => w + p.shaper.measure(p.text), 0);
  const wrapAt = (size: number): WrappedLine[] => wrapLines(text, (width * 1.005) / size, measure, ((width - indent) * 1.005) / size);
  let size = opts.size;
  let lines = wrapAt(size);
  let overflow = false;
  while (!linesFit(lines.length, size, opts.lineSpacing, height)) {
    if (size * SHRINK_STEP < floor - 1e-6) {
      overflow = true;
      break;
    }
    size *= SHRINK_STEP;
    lines = wrapAt(size);
  }
  if (overflow) {
    size = floor;
    lines = wrapAt(size);
    const room = opts.pageHeight - y0 - 2;
    while (!linesFit(lines.length, size, opts.lineSpacing, room) && size > 2) {
      size *= SHRINK_STEP;
      lines = wrapAt(size);
    }
  }
  const missing: string[] = [];
  const placed: PlacedLine[] = lines.map((line, i) => {
    const shaped = stretches.length === 0 ? shaper.shapeLine(line.text) : shapeStyled(line, shaper, stretches);
    missing.push(...shaped.missing);
    const w = shaped.width * size;
    const isLast = i === lines.length - 1;
    const lineIndent = i === 0 ? indent : 0;
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
      if (stretch && spaces > 0 && slack / spaces <= size * MAX_EXTRA_SPACE) extraPerSpace = slack / spaces;
      else if (stretch && spaces === 0 && glyphs.length > 1) extraPerGlyph = slack / (glyphs.length - 1);
      else if (shaper.baseDirection === 'rtl') x = x1 - w;
    }
    const baseline = opts.pageHeight - (y0 + size * ASCENT + i * size * opts.lineSpacing);
    return { shaped, x: Math.max(0, x), baseline, extraPerSpace, extraPerGlyph };
  });
  return { size, lines: placed, overflow, missing };
}
