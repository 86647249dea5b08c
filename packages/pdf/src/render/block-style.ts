import type { Block, Line, Span, TableCell } from '@docat/contracts';
import { designOfFontName, type TextStyle } from '../fonts/font-library.js';
import { baseStyle } from '../layout/inline-marks.js';
import { withoutSubsetTag } from '../fonts/font-name.js';

export type Alignment = 'left' | 'center' | 'right' | 'justify';

/** What the translated text copies from the source block. */
export interface SourceStyle extends TextStyle {
  size: number;
  /** Baseline-to-baseline distance over font size. */
  lineSpacing: number;
  color: [number, number, number];
  align: Alignment;
  /**
   * Horizontal scale the translation is set with (PDF `Tz` over 100): below 1 for a source
   * set in a condensed face (see `condensedScale`), 1 or absent otherwise.
   */
  widthScale?: number;
}

function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The span carrying most of the block's characters. */
function dominantSpan(block: Block): Span | undefined {
  const weight = new Map<string, { span: Span; chars: number }>();
  for (const line of block.lines) {
    for (const span of line.spans) {
      const key = `${span.font}|${Math.round(span.size * 10)}|${span.bold ?? false}|${span.italic ?? false}|${span.color ?? ''}`;
      const w = weight.get(key) ?? { span, chars: 0 };
      w.chars += span.text.trim().length;
      weight.set(key, w);
    }
  }
  let best: { span: Span; chars: number } | undefined;
  for (const w of weight.values()) if (!best || w.chars > best.chars) best = w;
  return best?.span;
}

export function parseColor(hex: string | undefined): [number, number, number] {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/iu.exec(hex ?? '');
  if (!m) return [0, 0, 0];
  return [parseInt(m[1]!, 16) / 255, parseInt(m[2]!, 16) / 255, parseInt(m[3]!, 16) / 255];
}

/**
 * Alignment from line geometry: edges that agree within a point are aligned. The last
 * line of a paragraph is left out, being short in every alignment but centred.
 */
export function guessAlignment(block: Block, pageWidth?: number): Alignment {
  const lines = block.lines.filter((l) => l.spans.some((s) => s.text.trim().length > 0));
  const [bx0, , bx1] = block.bbox;
  const tol = 2.5;
  if (lines.length === 0) return 'left';
  const lefts = lines.map((l) => l.bbox[0] - bx0);
  const rights = lines.map((l) => bx1 - l.bbox[2]);
  const centres = lines.map((l) => Math.abs((l.bbox[0] + l.bbox[2]) / 2 - (bx0 + bx1) / 2));
  if (lines.length === 1) {
    // A lone line centred on the page (titles, author lines) is taken as centred.
    const centre = (lines[0]!.bbox[0] + lines[0]!.bbox[2]) / 2;
    const wide = lines[0]!.bbox[2] - lines[0]!.bbox[0];
    return pageWidth &&
      Math.abs(centre - pageWidth / 2) < 3 &&
      wide < pageWidth * 0.8 &&
      lines[0]!.bbox[0] > pageWidth * 0.12
      ? 'center'
      : 'left';
  }
  const body = lines.length > 2 ? lines.slice(0, -1).map((_, i) => i) : [0, 1];
  const leftAligned = lefts.every((v) => v < tol);
  const bodyRightAligned = body.every((i) => rights[i]! < tol);
  const rightAligned = rights.every((v) => v < tol);
  const centred = centres.every((v) => v < tol);
  const pageCentred =
    pageWidth !== undefined &&
    lines.every((l) => Math.abs((l.bbox[0] + l.bbox[2]) / 2 - pageWidth / 2) < 3);
  // A justified paragraph that goes on past the column (its last line full too) and starts
  // with an indent has every right edge aligned, and every left edge but the first.
  const indentedFirst = lefts.slice(1).every((v) => v < tol);
  // Two lines of such a paragraph (its first two, at the foot of a column) have the same
  // edges as two right-aligned lines; a first-line indent of up to 3 em tells them apart.
  const paragraphStart =
    lines.length === 2 && indentedFirst && lefts[0]! <= 3 * (sizeOf(block) || 10);
  const paragraph = lines.length > 2 || paragraphStart;
  if ((centred || pageCentred) && !leftAligned) return 'center';
  if (rightAligned && !leftAligned && !(indentedFirst && paragraph)) return 'right';
  if (bodyRightAligned && paragraph) return 'justify';
  return 'left';
}

/**
 * How a table column's cells are aligned, from the edges they share: most right edges
 * together and the left ones apart is a column set flush right (figures, amounts, a column
 * of links), most centres together is centred. A cell of one line cannot say it alone.
 */
export function columnAlignment(cells: readonly TableCell[], col: number): Alignment | undefined {
  const boxes = cells.filter((c) => c.col === col && c.text.trim() !== '').map((c) => c.bbox);
  if (boxes.length < 3) return undefined;
  const tol = 1.5;
  const share = (values: number[]): number => {
    const m = median(values);
    return values.filter((v) => Math.abs(v - m) <= tol).length / values.length;
  };
  const lefts = share(boxes.map((b) => b[0]));
  const rights = share(boxes.map((b) => b[2]));
  const centres = share(boxes.map((b) => (b[0] + b[2]) / 2));
  if (lefts >= 0.8) return 'left';
  if (rights >= 0.8) return 'right';
  if (centres >= 0.8) return 'center';
  return undefined;
}

/**
 * The size most of the block's characters are set in: the median over characters, not
 * over spans, so that a short span in a large size (a form number beside a line of small
 * print) does not set the whole translation large.
 */
export function sizeOf(block: Block): number {
  const weighted = block.lines
    .flatMap((l) => l.spans)
    .filter((s) => s.size > 0)
    .map((s) => ({ size: s.size, chars: Math.max(1, s.text.trim().length) }))
    .sort((a, b) => a.size - b.size);
  const total = weighted.reduce((n, w) => n + w.chars, 0);
  if (total === 0) return NaN;
  // The lower and upper medians (as `median` takes both for an even count).
  let lower = NaN;
  let seen = 0;
  for (const w of weighted) {
    seen += w.chars;
    if (Number.isNaN(lower) && seen >= total / 2) lower = w.size;
    if (seen > total / 2) return (lower + w.size) / 2;
  }
  return lower;
}

export function sourceStyle(block: Block, pageWidth?: number): SourceStyle {
  const span = dominantSpan(block);
  const size = sizeOf(block) || span?.size || 10;
  const lineSpacing = spacingOf(block.lines, size);
  const font = span?.font ?? '';
  // Bold, italic and colour are those inline marks are relative to (see `baseStyle`).
  const base = baseStyle(block);
  const styled = block.lines.some((l) => l.spans.some((s) => s.text.trim() !== ''));
  return {
    size,
    lineSpacing,
    design: designOfFontName(font),
    bold: styled ? base.bold : /bold|black|heavy|medi|semibold|demi/iu.test(font),
    italic: styled ? base.italic : /italic|oblique|ital|slant/iu.test(font),
    color: parseColor(base.color ?? span?.color),
    align: guessAlignment(block, pageWidth),
  };
}

/** The font name OCR gives its words (`wordsToSpans`): their size is the row's height. */
const OCR_FONT = 'ocr';
/**
 * How much wider than its source line a line read by OCR may come out at its size before
 * the size is taken as misread. Set in another font a line runs up to about a fifth wider
 * or narrower than the scan's; a row OCR took for one line with a rule, a box's edge or a
 * second line in it (a diagram's label) measures two or three times the height of its
 * letters, and its text set at that size is as much wider than the words were.
 */
const OCR_WIDE = 1.5;
/** The size given to such a line: its text at its source width, a little larger (fonts differ). */
const OCR_WIDTH_SLACK = 1.15;

/**
 * The size of text OCR read, checked against its width: `style.size` when the lines' text
 * set at that size (`measure`: advance at size 1) is about as wide as the lines were, else
 * the size at which it is (with a little slack). The size of an OCR word is the height of
 * its row, which a label inside a drawing often has wrong; its width is what the scan
 * shows. Only lowered, and only for OCR spans: a font's size in a text layer is exact.
 */
export function ocrCheckedSize(
  lines: readonly Line[],
  size: number,
  measure: (text: string) => number,
): number {
  let measured = 0;
  let width = 0;
  for (const line of lines) {
    const spans = line.spans.filter((s) => s.text.trim() !== '');
    if (spans.length === 0 || spans.some((s) => s.font !== OCR_FONT)) return size;
    const text = spans.map((s) => s.text).join(' ');
    measured += measure(text);
    width += line.bbox[2] - line.bbox[0];
  }
  if (measured <= 0 || width <= 0) return size;
  const fromWidth = width / measured;
  return size > fromWidth * OCR_WIDE ? fromWidth * OCR_WIDTH_SLACK : size;
}

/**
 * Names of condensed faces: `*Cond*` (Helvetica Neue Condensed, Roboto Condensed),
 * `*Narrow*` (Arial Narrow), `*Compressed*`, and the Linotype style codes (`-Cn`,
 * `-BdCn`, `-BlkCn`, `-LtCnO`: `HelveticaNeueLTStd-Cn`).
 */
const CONDENSED_NAME = /(cond|narrow|compress|-[a-z]*cn[a-z]*$)/iu;
/** Narrowest horizontal scale a condensed source gets. */
const MIN_WIDTH_SCALE = 0.75;
/** A measured scale above this is taken as the source's width: set without `Tz`. */
const NO_SCALE_ABOVE = 0.97;
/** The scale of a condensed face whose text cannot be measured (about Helvetica Condensed's). */
const CONDENSED_DEFAULT = 0.82;

/** Whether a PDF font name is that of a condensed (narrow) face. */
export function isCondensedFontName(fontName: string): boolean {
  return CONDENSED_NAME.test(withoutSubsetTag(fontName));
}

/**
 * The horizontal scale that sets a block's translation as narrow as its source: 1 unless
 * most of its characters are in a condensed face (by the font's name). Then it is the
 * ratio of the condensed spans' widths to the same text's width in the replacement font
 * at the source size (`measure`: advance at size 1), within 75% to 100%; near 1 it is 1
 * (no `Tz`). A normal face is never scaled: a Times source is narrower than Noto Serif
 * too, and its translation keeps the replacement's own width.
 */
export function condensedScale(lines: readonly Line[], measure: (text: string) => number): number {
  let condensed = 0;
  let chars = 0;
  let measured = 0;
  let width = 0;
  for (const line of lines)
    for (const s of line.spans) {
      const text = s.text.trim();
      if (text === '' || s.size <= 0) continue;
      chars += text.length;
      if (!isCondensedFontName(s.font)) continue;
      condensed += text.length;
      // A span's box may or may not hold its spaces: its trimmed text is measured, and
      // only spans of a few characters, whose box is mostly ink.
      const set = measure(text) * s.size;
      if (text.length >= 3 && set > 0 && s.bbox[2] > s.bbox[0] && !s.angle) {
        width += s.bbox[2] - s.bbox[0];
        measured += set;
      }
    }
  if (chars === 0 || condensed * 2 <= chars) return 1;
  const ratio = measured > 0 ? width / measured : CONDENSED_DEFAULT;
  if (!Number.isFinite(ratio) || ratio > NO_SCALE_ABOVE) return 1;
  return Math.max(MIN_WIDTH_SCALE, ratio);
}

/** `style` at another size, its line spacing worked out again from the lines' pitch. */
export function resized(style: SourceStyle, lines: readonly Line[], size: number): SourceStyle {
  return { ...style, size, lineSpacing: spacingOf(lines, size) };
}

/** Baseline-to-baseline distance over `size`: the median pitch of the lines' tops, within 1 to 2. */
function spacingOf(lines: readonly Line[], size: number): number {
  const tops = lines.map((l) => l.bbox[1]);
  const pitch = median(
    tops
      .slice(1)
      .map((t, i) => t - tops[i]!)
      .filter((p) => p > 0),
  );
  return Number.isFinite(pitch) ? Math.min(2, Math.max(1, pitch / size)) : 1.2;
}
