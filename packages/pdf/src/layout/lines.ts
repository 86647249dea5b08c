import type { BBox, Span } from '@docat/contracts';
import { union, verticalOverlap } from './geometry.js';

export interface LineBox {
  bbox: BBox;
  spans: Span[];
  text: string;
  /** Size of the span carrying most characters. */
  size: number;
  bold: boolean;
  /** The leader and page number of a table-of-contents entry, cut from its title. */
  leader?: boolean;
}

const MAX_LOOKBACK = 40;
/** Two letters or digits: a word or a number, not a bullet, a brace or an operator. */
const BIG_WORD_RE = /[\p{L}\p{N}].*[\p{L}\p{N}]/u;
const SECTION_LABEL_RE = /^(?:\d{1,2}(?:\.\d{1,2})+\.?|\d{1,2}\.|[A-Z]\.|[IVX]{1,4}\.)$/;
/** A list's bullet glyph; Word's second-level "o" is told apart by its font (below). */
const BULLET_GLYPH_RE = /^[•◦▪▫●○■□‣⁃∙➢❖✓\uF0B7\uF0A7]$/u;
/** The first character of a list item's text. */
const ITEM_START_RE = /^[\p{L}\p{N}("“‘'[]/u;

/** A span that is a list's bullet on its own. */
export function isBulletGlyph(span: Span): boolean {
  const t = span.text.trim();
  return BULLET_GLYPH_RE.test(t) || (t === 'o' && /courier/iu.test(span.font));
}

/** A bullet and the first words of its item, set at a tab stop: further apart than a word space. */
function isBulletBefore(bullet: Span, next: Span): boolean {
  return isBulletGlyph(bullet) && next.font !== 'ocr' && ITEM_START_RE.test(next.text.trim());
}

/** Word's second-level bullet is a letter o in Courier New: it reads as the circle it draws. */
function asBullet(bullet: Span): Span {
  return bullet.text.trim() === 'o' ? { ...bullet, text: '◦' } : bullet;
}

/**
 * Group spans into lines: a span joins a recent line it overlaps vertically and
 * continues horizontally within about one em. Larger gaps start a new line, so
 * columns and table cells stay apart. Text twice as large or small as the line, or more,
 * never joins it: a form's big number ("1040") and the print set beside it are separate
 * lines (as one line, its box would cover the small print above the title), while a
 * superscript or a larger year (under twice the size) stays in its line when it follows
 * within a word space of the line's type; a larger word set further off (the "2010" a
 * form prints beside its title) is a line of its own. (Not for OCR'd words, whose size is only
 * their line's height.)
 */
export function buildLines(spans: readonly Span[]): LineBox[] {
  const lines: { bbox: BBox; spans: Span[]; size: number }[] = [];
  const isLabel = (l: { spans: Span[] }) =>
    l.spans.length === 1 &&
    l.spans[0]!.bold === true &&
    SECTION_LABEL_RE.test(l.spans[0]!.text.trim());
  for (let span of spans) {
    const size = span.size;
    let target: (typeof lines)[number] | undefined;
    for (let i = lines.length - 1; i >= 0 && i >= lines.length - MAX_LOOKBACK; i--) {
      const line = lines[i]!;
      if (verticalOverlap(line.bbox, span.bbox) < 0.5) continue;
      // OCR gives each word its line's height, not a font size: the rule is for real fonts.
      if (span.font !== 'ocr' && Math.max(size, line.size) >= Math.min(size, line.size) * 2)
        continue;
      const em = Math.max(size, line.size);
      const after = span.bbox[0] - line.bbox[2];
      const before = line.bbox[0] - span.bbox[2];
      // A word or number in much larger type after a line of words (the year a form prints
      // beside its title; not text after a bullet) joins only from a word space of the
      // line's own type.
      const bigAfter =
        after > 0 &&
        span.font !== 'ocr' &&
        size >= line.size * 1.4 &&
        BIG_WORD_RE.test(span.text) &&
        line.spans.some((s) => BIG_WORD_RE.test(s.text));
      // A section number sits further from its title than words from each other, a bullet
      // from its item's text (set at a tab stop), and so does a run-in heading from its
      // paragraph's first words (TeX's \paragraph and the ACM "General Terms" set a quad
      // after it).
      const bulletFirst = line.spans.length === 1 && isBulletBefore(line.spans[0]!, span);
      const reach =
        (isLabel(line) || bulletFirst) && after > 0
          ? em * 3
          : bigAfter
            ? line.size * 0.6
            : isRunInHeading(line, span) && after > 0
              ? em * 1.6
              : em * 0.9;
      // The item's words may come before their bullet in the content stream.
      const first = line.spans.reduce((a, b) => (b.bbox[0] < a.bbox[0] ? b : a));
      const bulletAfter = isBulletBefore(span, first);
      const reachBack = bulletAfter ? em * 3 : em * 0.9;
      if (
        (after <= reach && after >= -em * 0.5) ||
        (before <= reachBack && before >= -em * 0.5) ||
        stacksOnLastScript(line, span)
      ) {
        target = line;
        if (bulletFirst) line.spans[0] = asBullet(line.spans[0]!);
        if (bulletAfter && before > 0) span = asBullet(span);
        break;
      }
    }
    if (target) {
      target.spans.push(span);
      target.bbox = union(target.bbox, span.bbox);
      target.size = Math.max(target.size, size);
    } else {
      lines.push({ bbox: span.bbox, spans: [span], size });
    }
  }
  return bridgeWordGaps(lines).map(finishLine);
}

/** A big operator whose limits TeX sets beside it in running text. */
const BIG_OPERATOR_RE = /^[∑∏∐⋃⋂⋁⋀⨁⨂⨀⨄⨆∫∬∭∮]$/u;

/**
 * A script set under (or over) scripts already on the line, from the same x: the lower
 * limit of a big operator in running text (`⋃` with `m(x)` above and `i=1` below, drawn
 * one after the other from the operator's right edge, the formula often going on before
 * the lower limit is drawn), or `x` with an index and an exponent. It starts back inside
 * the line, further than any word does, and was cut off with the rest of the formula after
 * it into a line (and a block) of its own, left untranslated beside its paragraph.
 */
function stacksOnLastScript(line: { spans: Span[]; size: number }, span: Span): boolean {
  const script = (s: Span) => s.font !== 'ocr' && s.size <= line.size * 0.85;
  if (!script(span)) return false;
  // Below or above the operator's other limit, not on its row.
  const stacked = (over: BBox) => verticalOverlap(over, span.bbox) < 0.7;
  const limitOf = line.spans.find(
    (op) =>
      BIG_OPERATOR_RE.test(op.text.trim()) &&
      Math.abs(op.bbox[2] - span.bbox[0]) <= 1 &&
      span.bbox[1] <= op.bbox[3] + span.size * 0.5 &&
      span.bbox[3] >= op.bbox[1] - span.size * 0.5,
  );
  if (limitOf) return true;
  // The rest of such a limit ("=1" after its "i"), on the limit's row.
  const last = line.spans[line.spans.length - 1]!;
  if (
    script(last) &&
    span.bbox[0] >= last.bbox[2] - 0.5 &&
    span.bbox[0] <= last.bbox[2] + span.size * 0.5 &&
    verticalOverlap(last.bbox, span.bbox) >= 0.5
  )
    return true;
  // The scripts the line ends with, back to the letter or operator they are set on.
  let k = line.spans.length;
  while (k > 0 && script(line.spans[k - 1]!)) k--;
  const trailing = line.spans.slice(k);
  if (trailing.length === 0) return false;
  const from = Math.min(...trailing.map((s) => s.bbox[0]));
  const to = Math.max(...trailing.map((s) => s.bbox[2]));
  return span.bbox[0] >= from - 0.5 && span.bbox[0] < to && trailing.every((s) => stacked(s.bbox));
}

/**
 * A bold heading (two words or more of letters, or one of four letters or more, not a
 * label ending in a colon, which is set beside its value) followed on its row by the first
 * words of its paragraph, in the same size and not bold.
 */
function isRunInHeading(line: { spans: Span[]; size: number }, next: Span): boolean {
  if (next.bold === true || next.font === 'ocr') return false;
  if (Math.abs(next.size - line.size) > line.size * 0.1) return false;
  if (!line.spans.every((s) => s.bold === true)) return false;
  const text = line.spans
    .map((s) => s.text)
    .join(' ')
    .trim();
  if (/:$/u.test(text) || !/^\p{Lu}/u.test(text)) return false;
  const words = text.split(/\s+/u).filter((w) => /\p{L}{2}/u.test(w));
  return (words.length >= 2 || /\p{L}{4}/u.test(text)) && /^\p{L}/u.test(next.text.trim());
}

interface RawLine {
  bbox: BBox;
  spans: Span[];
  size: number;
}

/** The widest gap between two pieces of one line that the lines around it can vouch for. */
const MAX_BRIDGE_EM = 2.5;

/**
 * Justified text stretches its spaces: a sentence space in a LaTeX line can be wider than
 * the gap between two columns (10 pt at 10 pt type), so the first grouping leaves such a
 * line in pieces, and each piece would be set as a block of its own, over its neighbours.
 * Two pieces on one baseline, of one size, less than MAX_BRIDGE_EM apart, become one line
 * when the text just above or below runs across their gap and neither side continues it
 * as a white river (a column gutter or a table's column gap is free on every line).
 * Repeated, because a bridged line can vouch for the next.
 */
function bridgeWordGaps(input: RawLine[]): RawLine[] {
  let lines = input;
  for (let pass = 0; pass < 3; pass++) {
    const order = [...lines].sort((a, b) => a.bbox[1] - b.bbox[1]);
    const gone = new Set<RawLine>();
    let merged = false;
    for (const left of [...lines].sort((a, b) => a.bbox[0] - b.bbox[0])) {
      if (gone.has(left)) continue;
      const right = rightNeighbour(left, order, gone);
      if (!right) continue;
      const gap: [number, number] = [left.bbox[2], right.bbox[0]];
      const band = union(left.bbox, right.bbox);
      const h = Math.min(left.bbox[3] - left.bbox[1], right.bbox[3] - right.bbox[1]);
      const above = gapCover(band, gap, order, gone, h, 'above', left, right);
      const below = gapCover(band, gap, order, gone, h, 'below', left, right);
      const vouched = above === 'covered' || below === 'covered';
      if (!vouched || above === 'river' || below === 'river') continue;
      left.spans.push(...right.spans);
      left.bbox = band;
      left.size = Math.max(left.size, right.size);
      gone.add(right);
      merged = true;
    }
    if (!merged) break;
    lines = lines.filter((l) => !gone.has(l));
  }
  return lines;
}

/** The nearest piece to the right of `left` on its baseline, of its size, within reach. */
function rightNeighbour(
  left: RawLine,
  order: readonly RawLine[],
  gone: ReadonlySet<RawLine>,
): RawLine | undefined {
  let best: RawLine | undefined;
  for (const other of order) {
    if (other.bbox[1] > left.bbox[3]) break;
    if (other === left || gone.has(other) || verticalOverlap(left.bbox, other.bbox) < 0.5) continue;
    if (Math.max(left.size, other.size) > Math.min(left.size, other.size) * 1.25) continue;
    const gap = other.bbox[0] - left.bbox[2];
    if (gap <= 0 || gap > Math.max(left.size, other.size) * MAX_BRIDGE_EM) continue;
    if (!best || other.bbox[0] < best.bbox[0]) best = other;
  }
  return best;
}

/**
 * How the lines next to `band` on one side treat the gap: `covered` when their text runs
 * across it, `river` when less than half of it is inked (a gutter going on), `none` when
 * no line is near on that side.
 */
function gapCover(
  band: BBox,
  gap: readonly [number, number],
  order: readonly RawLine[],
  gone: ReadonlySet<RawLine>,
  h: number,
  side: 'above' | 'below',
  ...self: RawLine[]
): 'covered' | 'river' | 'partly' | 'none' {
  const near: BBox[] = [];
  for (const other of order) {
    if (gone.has(other) || self.includes(other)) continue;
    const b = other.bbox;
    if (b[2] <= band[0] || b[0] >= band[2]) continue;
    if (verticalOverlap(b, band) >= 0.5) continue;
    const centre = (b[1] + b[3]) / 2;
    if (side === 'above') {
      if (centre >= band[1] || b[3] < band[1] - 0.8 * h || b[3] > band[1] + 0.3 * h) continue;
    } else if (centre <= band[3] || b[1] > band[3] + 0.8 * h || b[1] < band[3] - 0.3 * h) {
      continue;
    }
    near.push(b);
  }
  if (near.length === 0) return 'none';
  const width = gap[1] - gap[0];
  // Inked length of the gap: the union of the near lines' extents over it.
  const spans = near
    .map((b): [number, number] => [Math.max(gap[0], b[0]), Math.min(gap[1], b[2])])
    .filter(([a, b]) => b > a)
    .sort((a, b) => a[0] - b[0]);
  let inked = 0;
  let end = gap[0];
  for (const [a, b] of spans) {
    if (b <= end) continue;
    inked += b - Math.max(a, end);
    end = b;
  }
  if (inked >= width * 0.99) return 'covered';
  return inked < width * 0.5 ? 'river' : 'partly';
}

function finishLine(raw: { bbox: BBox; spans: Span[] }): LineBox {
  const spans = [...raw.spans].sort((a, b) => a.bbox[0] - b.bbox[0]);
  let text = '';
  let prev: Span | undefined;
  const weight = new Map<number, number>();
  let boldChars = 0;
  let chars = 0;
  for (const s of spans) {
    if (prev) {
      const gap = s.bbox[0] - prev.bbox[2];
      if (gap > Math.min(s.size, prev.size) * 0.12 && !/\s$/.test(text) && !/^\s/.test(s.text))
        text += ' ';
    }
    text += s.text;
    const n = s.text.trim().length;
    chars += n;
    if (s.bold) boldChars += n;
    const key = Math.round(s.size * 2) / 2;
    weight.set(key, (weight.get(key) ?? 0) + n);
    prev = s;
  }
  let size = spans[0]?.size ?? 0;
  let best = -1;
  for (const [k, n] of weight) if (n > best || (n === best && k > size)) [size, best] = [k, n];
  return {
    bbox: raw.bbox,
    spans,
    text: text.replace(/\s+/g, ' ').trim(),
    size,
    bold: chars > 0 && boldChars / chars > 0.8,
  };
}

/**
 * Rough advance of a string in ems, for cutting a glyph run where its own widths are not
 * known: dots and spaces are narrow, capitals and digits wide (as in common text faces).
 */
function advanceOf(text: string): number {
  let w = 0;
  for (const c of text) {
    if (/[.,:;·' ]/u.test(c)) w += 0.28;
    else if (/[0-9]/u.test(c)) w += 0.556;
    else if (/[A-Z]|[mwMW]/u.test(c)) w += 0.7;
    else if (/[ijlft]/u.test(c)) w += 0.3;
    else w += 0.52;
  }
  return w;
}

/** Dot leaders (three or more dots, middle dots or ellipses, spaced or not) then page numbers (12, 3-5, 12, 19, A-4, iv) at the end. */
const LEADER_RE =
  /\s*(?:[.·•…_]\s*){3,}(?:[A-Z]?\d{1,4}(?:\s*[-–,]\s*[A-Z]?\d{1,4})*|[ivxlcdm]{1,7})\s*$/iu;

/**
 * Cut table-of-contents entries ("2.1 Methods ........ 12") into their title and their
 * leader with the page number, so the title is translated on its own and the leader and
 * the right-aligned number stay as they are. A span holding both is cut by character
 * share of its width.
 */
export function splitLeaders(lines: readonly LineBox[]): LineBox[] {
  const out: LineBox[] = [];
  for (const line of lines) {
    const m = LEADER_RE.exec(line.text);
    if (!m || m.index === 0 || !/\p{L}/u.test(line.text.slice(0, m.index))) {
      out.push(line);
      continue;
    }
    const leaderText = m[0].trim();
    const title: Span[] = [];
    const leader: Span[] = [];
    // Walk spans from the right, giving characters to the leader until it is complete.
    let need = leaderText.replace(/\s+/gu, '').length;
    for (let i = line.spans.length - 1; i >= 0; i--) {
      const s = line.spans[i]!;
      const chars = s.text.replace(/\s+/gu, '').length;
      if (need <= 0) title.unshift(s);
      else if (chars <= need) {
        leader.unshift(s);
        need -= chars;
      } else {
        // Cut this span: its last `need` visible characters belong to the leader.
        const text = s.text;
        let cut = text.length;
        for (let left = need; cut > 0 && left > 0;) {
          cut--;
          if (!/\s/u.test(text[cut]!)) left--;
        }
        const x =
          s.bbox[0] +
          ((s.bbox[2] - s.bbox[0]) * advanceOf(text.slice(0, cut))) /
            Math.max(0.01, advanceOf(text));
        const head = text.slice(0, cut).trimEnd();
        if (head) title.unshift({ ...s, text: head, bbox: [s.bbox[0], s.bbox[1], x, s.bbox[3]] });
        leader.unshift({
          ...s,
          text: text.slice(cut).trimStart(),
          bbox: [x, s.bbox[1], s.bbox[2], s.bbox[3]],
        });
        need = 0;
      }
    }
    if (title.length === 0 || leader.length === 0) {
      out.push(line);
      continue;
    }
    out.push(
      finishLine({ bbox: title.reduce((b, s) => union(b, s.bbox), title[0]!.bbox), spans: title }),
    );
    out.push({
      ...finishLine({
        bbox: leader.reduce((b, s) => union(b, s.bbox), leader[0]!.bbox),
        spans: leader,
      }),
      leader: true,
    });
  }
  return out;
}
