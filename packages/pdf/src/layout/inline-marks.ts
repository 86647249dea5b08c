import type { Block, InlineMark, MathPart, Page, Span } from '@docat/contracts';
import { isMathFont } from './classify.js';
import { addMathParts, scriptReader, type PlacedSpan } from './math-parts.js';

/** The style a block's text is set in where no mark says otherwise. */
export interface BaseStyle {
  bold: boolean;
  italic: boolean;
  color: string | undefined;
}

function styleKey(s: Span): string {
  return `${s.bold ?? false}|${s.italic ?? false}|${s.color ?? ''}`;
}

/** The style carrying most of the block's shown characters. */
export function baseStyle(block: Pick<Block, 'lines'>): BaseStyle {
  const weight = new Map<string, { span: Span; chars: number }>();
  for (const line of block.lines) {
    for (const span of line.spans) {
      if (span.hidden) continue;
      const key = styleKey(span);
      const w = weight.get(key) ?? { span, chars: 0 };
      w.chars += span.text.trim().length;
      weight.set(key, w);
    }
  }
  let best: { span: Span; chars: number } | undefined;
  for (const w of weight.values()) if (!best || w.chars > best.chars) best = w;
  return {
    bold: best?.span.bold ?? false,
    italic: best?.span.italic ?? false,
    color: best?.span.color,
  };
}

function rgb(hex: string): [number, number, number] | undefined {
  const m = /^#?([0-9a-f]{6})$/iu.exec(hex);
  if (!m) return undefined;
  const n = parseInt(m[1]!, 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Colours closer than this (per channel, of 255) are one colour: anti-aliased greys and rounding. */
function distinctColour(a: string | undefined, b: string | undefined): boolean {
  const x = rgb(a ?? '#000000');
  const y = rgb(b ?? '#000000');
  if (!x || !y) return false;
  return Math.max(Math.abs(x[0] - y[0]), Math.abs(x[1] - y[1]), Math.abs(x[2] - y[2])) > 24;
}

type MarkStyle = Omit<InlineMark, 'start' | 'end'>;

function difference(span: Span, base: BaseStyle): MarkStyle | undefined {
  const out: MarkStyle = {};
  if ((span.bold ?? false) !== base.bold) out.bold = span.bold ?? false;
  if ((span.italic ?? false) !== base.italic) out.italic = span.italic ?? false;
  if (span.color && distinctColour(span.color, base.color)) out.color = span.color;
  if (span.href) out.href = span.href;
  if (span.background) out.background = span.background.color;
  if (isMathFont(span.font)) return { math: true };
  return Object.keys(out).length > 0 ? out : undefined;
}

function sameStyle(a: MarkStyle, b: MarkStyle): boolean {
  return (
    a.bold === b.bold &&
    a.italic === b.italic &&
    a.color === b.color &&
    a.href === b.href &&
    a.math === b.math &&
    a.script === b.script &&
    a.background === b.background
  );
}

/**
 * Two math runs are one formula when only upright symbols lie between them: TeX sets
 * `σ ∈ SL₂(ℝ)` in four fonts, the upright `SL`, digits and brackets in the text face.
 */
function oneFormula(between: string): boolean {
  if (between.length > 12 || /[.,;:!?]\s/u.test(between)) return false;
  // A word between them (`a = 0 Da M`) is text; an upright name (`SL`, `GL`) is not.
  return (between.match(/\p{L}{2,}/gu) ?? []).every((w) => w.length < 3 && !/\p{Ll}/u.test(w));
}

/** The pieces of a script run grown over the next span (a piece like the last one extends it). */
function addParts(mark: InlineMark, parts: readonly MathPart[]): void {
  const out = (mark.parts ??= []);
  for (const part of parts) {
    const last = out[out.length - 1];
    if (last && last.scale === part.scale && last.rise === part.rise) last.length += part.length;
    else out.push({ ...part });
  }
}

interface KeyMap {
  key: string;
  /** Offset in the text of each code unit of `key`. */
  source: number[];
}

/** Non-space characters of `text` and where each sits in it. */
function keyMap(text: string): KeyMap {
  let key = '';
  const source: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (/\s/u.test(c)) continue;
    key += c;
    source.push(i);
  }
  return { key, source };
}

const SEARCH_WINDOW = 200;

/**
 * Runs of `text` whose spans are set in another style than the block's own. Each span
 * is found in the text in reading order (a line-end hyphen the text joined away is
 * allowed for); touching runs of one style, or runs apart only by white space, merge.
 */
export function inlineMarks(block: Pick<Block, 'lines' | 'text'>): InlineMark[] {
  const base = baseStyle(block);
  const text = keyMap(block.text);
  const marks: InlineMark[] = [];
  const placed: PlacedSpan[] = [];
  const scriptOf = scriptReader(block.lines);
  // Scripts right after a math run are its own (TeX sets the `0` of `x₀` in CMR):
  // `addMathParts` grows the run over them.
  let afterMath = false;
  let cursor = 0;
  for (const line of block.lines) {
    for (const span of line.spans) {
      let key = span.text.replace(/\s+/gu, '');
      if (key === '') continue;
      let at = text.key.indexOf(key, cursor);
      if ((at < 0 || at - cursor > SEARCH_WINDOW) && /[-‐­]$/u.test(key)) {
        key = key.replace(/[-‐­]+$/u, '');
        at = key === '' ? -1 : text.key.indexOf(key, cursor);
      }
      if (at < 0 || at - cursor > SEARCH_WINDOW) continue;
      cursor = at + key.length;
      placed.push({ span, line, at, length: key.length });
      let style = difference(span, base);
      const script = style?.math ? undefined : scriptOf(span, line);
      if (style?.math || (script && afterMath)) afterMath = true;
      else {
        afterMath = false;
        if (script) style = { ...style, script: true, parts: [{ ...script, length: key.length }] };
      }
      if (!style || (script && afterMath)) continue;
      const start = text.source[at]!;
      const end = text.source[at + key.length - 1]! + 1;
      const last = marks[marks.length - 1];
      const between = block.text.slice(last?.end ?? 0, start);
      if (
        last &&
        sameStyle(last, style) &&
        (between.trim() === '' || (style.math === true && oneFormula(between)))
      ) {
        last.end = end;
        if (last.script) addParts(last, style.parts ?? []);
      } else marks.push({ start, end, ...style });
    }
  }
  addMathParts(marks, placed, block.lines, text.source);
  // A mark over the whole text says nothing the base style does not.
  return marks.filter(
    (m) =>
      !(
        m.start === 0 &&
        m.end >= block.text.trimEnd().length &&
        !m.href &&
        !m.math &&
        !m.script &&
        !m.background
      ),
  );
}

/** Set `marks` on every block of the page whose text has inline styles. */
export function addInlineMarks(page: Page): Page {
  for (const block of page.blocks) {
    if (block.lines.length === 0) continue;
    if (block.cells && block.cells.length > 0) {
      for (const cell of block.cells) {
        const [x0, y0, x1, y1] = cell.bbox;
        const lines = block.lines.filter((l) => {
          const cx = (l.bbox[0] + l.bbox[2]) / 2;
          const cy = (l.bbox[1] + l.bbox[3]) / 2;
          return cx >= x0 && cx <= x1 && cy >= y0 && cy <= y1;
        });
        const marks = inlineMarks({ lines, text: cell.text });
        if (marks.length > 0) cell.marks = marks;
      }
      continue;
    }
    const marks = inlineMarks(block);
    if (marks.length > 0) block.marks = marks;
  }
  return page;
}
