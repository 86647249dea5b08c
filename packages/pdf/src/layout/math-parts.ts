import type { InlineMark, Line, MathPart, Span } from '@docat/contracts';
import { isMathFont } from './classify.js';

/**
 * Where a span was found in its block's text: `at` is the index of its first character
 * among the text's non-white-space characters, `length` how many it covers there.
 */
export interface PlacedSpan {
  span: Span;
  line: Line;
  at: number;
  length: number;
}

/** Math italic faces: TeX's CMMI (and bold CMMIB), MathTime's MTMI. */
const MATH_ITALIC_RE = /^(?:[A-Z]{6}\+)?(?:cmmib?|mtmi)\d/i;
/**
 * TeX's extension font (CMEX) draws big operators and delimiters from the top of the
 * glyph down: its origin says nothing about where the glyph sits on the line.
 */
const HANGING_RE = /^(?:[A-Z]{6}\+)?(?:cmex|euex)\d/i;

/** A ratio this close to 1 (a size), or a rise this close to 0, is the line's own. */
const SCALE_EPSILON = 0.06;
const RISE_EPSILON = 0.08;

const round2 = (v: number): number => Math.round(v * 100) / 100;

/**
 * The baseline of a span, from its box (y grows downwards). Extraction boxes a run from
 * its font's ascent above the baseline to its descent below, and the layout keeps
 * neither; they differ between the fonts of one line (CMR's descriptor says 0.69 and
 * 0.19 of the size, CMMI10's box 0.75 and 0.25, Noto Serif's 1.07 and 0.29). In text and
 * math italic fonts the ascent is 0.75-0.79 of the box's height, which puts the baselines
 * of one line's fonts within 0.03 of the size of each other. A box reaching far below
 * (TeX's symbol font CMSY: 0.96 of the size) is a symbol font's, whose ascent is TeX's.
 */
function baselineOf(span: Span): number {
  const height = (span.bbox[3] - span.bbox[1]) / span.size;
  const ascent = height <= 1.45 ? height * 0.77 : 0.78;
  return span.bbox[1] + span.size * ascent;
}

/** The size most of the block's text-font characters are set in (all spans when none). */
function bodySize(lines: readonly Line[]): number {
  const weight = new Map<number, number>();
  const add = (spans: Span[]): void => {
    for (const s of spans) {
      const n = s.text.replace(/\s+/gu, '').length;
      if (n === 0 || s.size <= 0) continue;
      const key = Math.round(s.size * 10) / 10;
      weight.set(key, (weight.get(key) ?? 0) + n);
    }
  };
  add(lines.flatMap((l) => l.spans.filter((s) => !isMathFont(s.font))));
  if (weight.size === 0) add(lines.flatMap((l) => l.spans));
  let best = 0;
  let most = -1;
  for (const [size, n] of weight)
    if (n > most || (n === most && size > best)) [best, most] = [size, n];
  return best;
}

/** The line's own baseline: that of its spans at the body size, else of its largest span. */
function lineBaseline(line: Line, size: number): number | undefined {
  const atSize = line.spans.filter(
    (s) => s.text.trim() !== '' && Math.abs(s.size - size) <= size * SCALE_EPSILON,
  );
  const pool = atSize.length > 0 ? atSize : line.spans.filter((s) => s.text.trim() !== '');
  if (pool.length === 0) return undefined;
  if (atSize.length === 0) {
    const largest = pool.reduce((a, b) => (b.size > a.size ? b : a));
    return baselineOf(largest);
  }
  const ys = pool.map(baselineOf).sort((a, b) => a - b);
  return ys[Math.floor(ys.length / 2)];
}

function partOf(p: PlacedSpan, size: number, baseline: number | undefined): MathPart {
  const { span } = p;
  const hanging = HANGING_RE.test(span.font);
  let scale = hanging ? 1 : span.size / size;
  if (Math.abs(scale - 1) < SCALE_EPSILON) scale = 1;
  scale = Math.min(1.5, Math.max(0.4, scale));
  const flat = hanging || baseline === undefined || span.angle !== undefined;
  let rise = flat ? 0 : (baseline - baselineOf(span)) / size;
  if (Math.abs(rise) < RISE_EPSILON) rise = 0;
  rise = Math.min(0.8, Math.max(-0.6, rise));
  const italic = MATH_ITALIC_RE.test(span.font) || (isMathFont(span.font) && span.italic === true);
  return {
    length: p.length,
    scale: round2(scale),
    rise: round2(rise),
    ...(italic ? { italic } : {}),
  };
}

function samePart(a: MathPart, b: MathPart): boolean {
  return a.scale === b.scale && a.rise === b.rise && (a.italic ?? false) === (b.italic ?? false);
}

/**
 * The pieces of a math run between non-white-space indices `from` and `to` of its block's
 * text, from the spans found there: each piece's size and baseline against its line's.
 * Characters no span was found for are set as the line's. Undefined when every piece is
 * plain (the line's size, on its baseline, upright).
 */
export function mathParts(
  from: number,
  to: number,
  placed: readonly PlacedSpan[],
  lines: readonly Line[],
): MathPart[] | undefined {
  const size = bodySize(lines);
  if (!(size > 0)) return undefined;
  const baselines = new Map<Line, number | undefined>();
  const parts: MathPart[] = [];
  const push = (part: MathPart): void => {
    const last = parts[parts.length - 1];
    if (last && samePart(last, part)) last.length += part.length;
    else parts.push({ ...part });
  };
  let at = from;
  for (const p of placed) {
    if (p.at < at || p.at + p.length > to) continue;
    if (p.at > at) push({ length: p.at - at, scale: 1, rise: 0 });
    if (!baselines.has(p.line)) baselines.set(p.line, lineBaseline(p.line, size));
    push(partOf(p, size, baselines.get(p.line)));
    at = p.at + p.length;
  }
  if (to > at) push({ length: to - at, scale: 1, rise: 0 });
  return parts.some((p) => p.scale !== 1 || p.rise !== 0 || p.italic) ? parts : undefined;
}

/** A script in prose is this much smaller than the block's body size, at most. */
const SCRIPT_SCALE = 0.85;
/** Its baseline is this far above (a superscript) or below (a subscript) the line's, at least. */
const SUPERSCRIPT_RISE = 0.15;
const SUBSCRIPT_DROP = 0.1;
/**
 * What a raised or lowered run of prose holds: marks, numbers, signs and letters in runs
 * of two at most (`¹`, `[12]`, `*†`, `st`, `TM`, `2`). A word is text, whatever its
 * size: it is translated (and set on the line) rather than kept.
 */
const SCRIPT_TEXT_RE = /^(?!.*\p{L}{3})[\p{L}\p{N}\p{P}\p{S}]{1,8}$/u;

/**
 * Reads the spans of a block set as raised or lowered scripts in prose: smaller than the
 * block's body size (at most `SCRIPT_SCALE` of it) with the baseline well off its line's,
 * holding no word. Gives the span's piece (`length` 1; the caller sets it), or undefined
 * for a span on the line. Spans in math fonts are the math marks' business.
 */
export function scriptReader(
  lines: readonly Line[],
): (span: Span, line: Line) => MathPart | undefined {
  const size = bodySize(lines);
  const baselines = new Map<Line, number | undefined>();
  return (span, line) => {
    if (!(size > 0) || isMathFont(span.font) || span.angle !== undefined) return undefined;
    if (!SCRIPT_TEXT_RE.test(span.text.replace(/\s+/gu, ''))) return undefined;
    if (!(span.size <= size * SCRIPT_SCALE)) return undefined;
    if (!baselines.has(line)) baselines.set(line, lineBaseline(line, size));
    const baseline = baselines.get(line);
    // A line with no span at the body size has no baseline to be off.
    if (baseline === undefined || !line.spans.some((s) => s !== span && s.size > span.size * 1.1))
      return undefined;
    const part = partOf({ span, line, at: 0, length: 1 }, size, baseline);
    if (part.rise < SUPERSCRIPT_RISE && part.rise > -SUBSCRIPT_DROP) return undefined;
    const { italic: _math, ...plain } = part;
    return plain;
  };
}

/** How many of the text's non-white-space characters (at offsets `source`) lie before `offset`. */
function keyIndex(source: readonly number[], offset: number): number {
  let lo = 0;
  let hi = source.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (source[mid]! < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Math marks of a block with the `parts` that say how each is set. `source` gives the
 * offset in the block's text of each of its non-white-space characters (as `inlineMarks`
 * finds spans). A run of scripts in a text font right after a math run (the `2` of
 * `n²` in TeX's CMR7, the `0` of `x₀`) belongs to it: the mark is grown over it.
 */
export function addMathParts(
  marks: InlineMark[],
  placed: readonly PlacedSpan[],
  lines: readonly Line[],
  source: readonly number[],
): InlineMark[] {
  const size = bodySize(lines);
  if (!(size > 0)) return marks;
  marks.forEach((mark, i) => {
    if (!mark.math) return;
    const limit = i + 1 < marks.length ? keyIndex(source, marks[i + 1]!.start) : source.length;
    let to = keyIndex(source, mark.end);
    for (const p of placed) {
      if (p.at < to) continue;
      if (p.at > to || p.at + p.length > limit) break;
      const part = partOf(p, size, lineBaseline(p.line, size));
      if (part.scale >= 0.9 || part.rise === 0) break;
      to = p.at + p.length;
    }
    mark.end = Math.max(mark.end, source[to - 1]! + 1);
    const parts = mathParts(keyIndex(source, mark.start), to, placed, lines);
    if (parts) mark.parts = parts;
  });
  return marks;
}
