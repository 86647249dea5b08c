import type { BBox, InlineMark } from '@docat/contracts';
import { normalizeText } from '../layout/text-normalize.js';

/**
 * Icons and flags at the start or end of a table cell's text (a tick, a warning sign, a
 * country's flag) are drawn in their own fonts: icon fonts (Wingdings, ZapfDingbats, Font
 * Awesome), code points of the private use area, colour emoji. The fonts a translation is
 * set in have none of them, so they would be lost with the words. They stay on the page,
 * drawn by the source's own font where they were, and the translation is set beside them.
 */

/** Fonts whose glyphs are pictures, not letters. */
const SYMBOL_FONT =
  /wingding|webding|dingbat|zapf|awesome|material.?(icons|symbols)|icomoon|glyphicons|bootstrap.?icons|segoe.?(ui.?)?(emoji|symbol)|emoji|twemoji|openmoji/iu;

/** A character drawn as a picture: private use, a regional indicator (flags), an emoji. */
export function isSymbolChar(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  if ((cp >= 0xe000 && cp <= 0xf8ff) || cp >= 0xf0000) return true;
  // Regional indicators (flags), skin tones, tags, the joiner and emoji presentation.
  if (cp >= 0x1f1e6 && cp <= 0x1f1ff) return true;
  if ((cp >= 0xe0020 && cp <= 0xe007f) || cp === 0x200d || cp === 0xfe0f) return true;
  // Pictographs; below U+2190 they are ©, ® and the like, which are text.
  return cp >= 0x2190 && /\p{Extended_Pictographic}/u.test(ch);
}

/** Whether a glyph (its text, its font's /BaseFont) is an icon or a flag. */
export function isSymbolGlyph(unicode: string, baseFont: string): boolean {
  if (unicode.trim() === '' && unicode !== '') return false;
  if (SYMBOL_FONT.test(baseFont)) return true;
  return unicode !== '' && [...unicode].every(isSymbolChar);
}

export interface EdgeGlyph {
  /** Displayed-page box (y down). */
  box: BBox;
  unicode: string;
  symbol: boolean;
}

export interface EdgeSymbols {
  /** Boxes of the glyphs kept on the page. */
  keep: BBox[];
  /** Their text, as the source has it (a translation's copy of it is left out). */
  text: string[];
  /** How many icons start and end the cell. */
  lead: number;
  trail: number;
  /** The box the translation is set in: the cell's, less the icons at its start and end. */
  box: BBox;
}

/**
 * The icons at the start of a cell's first line and at the end of its last (left to
 * right, white space between them skipped), with the box left for the words: it starts
 * past the leading icons and ends before the trailing ones, by the gap the source had
 * between icon and word (a quarter of the size when there was none). None when the cell
 * holds nothing but icons, or no icon at either end.
 */
export function edgeSymbols(
  box: BBox,
  lines: readonly (readonly EdgeGlyph[])[],
  size: number,
): EdgeSymbols | undefined {
  const rows = lines.map((l) => [...l].sort((a, b) => a.box[0] - b.box[0]));
  const words = rows.flat().filter((g) => g.unicode.trim() !== '' || g.unicode === '');
  if (!words.some((g) => !g.symbol)) return undefined;
  const first = (rows[0] ?? []).filter((g) => g.unicode.trim() !== '' || g.unicode === '');
  const last = (rows[rows.length - 1] ?? []).filter(
    (g) => g.unicode.trim() !== '' || g.unicode === '',
  );
  const lead: EdgeGlyph[] = [];
  for (const g of first) {
    if (!g.symbol) break;
    lead.push(g);
  }
  const trail: EdgeGlyph[] = [];
  if (rows.length > 1 || lead.length < first.length) {
    for (let i = last.length - 1; i >= 0; i--) {
      const g = last[i]!;
      if (!g.symbol || lead.includes(g)) break;
      trail.unshift(g);
    }
  }
  if (lead.length === 0 && trail.length === 0) return undefined;
  const out: BBox = [...box];
  const gapOf = (gap: number): number =>
    gap > 0 && gap < size * 1.5 ? gap : Math.max(1, size * 0.25);
  if (lead.length > 0) {
    const end = Math.max(...lead.map((g) => g.box[2]));
    const next = first[lead.length];
    out[0] = Math.max(out[0], end + gapOf(next ? next.box[0] - end : 0));
  }
  if (trail.length > 0) {
    const start = Math.min(...trail.map((g) => g.box[0]));
    const before = last[last.length - trail.length - 1];
    out[2] = Math.min(out[2], start - gapOf(before ? start - before.box[2] : 0));
  }
  if (out[2] - out[0] < size) return undefined;
  return {
    keep: [...lead, ...trail].map((g) => g.box),
    text: [...lead, ...trail].map((g) => g.unicode).filter((t) => t !== ''),
    lead: lead.length,
    trail: trail.length,
    box: out,
  };
}

/**
 * A translation without the icons kept on the page. Each character of `kept` (as the
 * content draws it, or as extraction normalised it) is left out wherever it is, with emoji
 * joiners and presentation selectors. The text the source cell's words give for the icons
 * (`sourceText`: an icon font without a Unicode map reads as letters, `4` for a tick) is
 * left out where the translation starts or ends with it (a few characters of quoting
 * aside). White space left doubled or at the ends goes too; the marks' offsets move with
 * the text.
 */
export function withoutSymbols(
  text: string,
  marks: readonly InlineMark[],
  kept: readonly string[],
  sourceText: { lead: string; trail: string } = { lead: '', trail: '' },
): { text: string; marks: InlineMark[] } {
  const drop = new Set<string>();
  for (const t of kept)
    for (const form of [t, normalizeText(t)]) for (const ch of form) drop.add(ch);
  // UTF-16 ranges of `text` cut out as the icons' source text.
  const cut = new Set<number>();
  const near = 3;
  const { lead, trail } = sourceText;
  if (lead !== '') {
    const i = text.indexOf(lead);
    const after = text[i + lead.length];
    if (
      i >= 0 &&
      i <= near &&
      /^\P{L}*$/u.test(text.slice(0, i)) &&
      (after === undefined || /\s/u.test(after))
    ) {
      let k = i;
      while (k < i + lead.length || (k < text.length && /\s/u.test(text[k]!))) cut.add(k++);
    }
  }
  if (trail !== '') {
    const i = text.lastIndexOf(trail);
    const before = text[i - 1];
    if (
      i >= 0 &&
      text.length - (i + trail.length) <= near &&
      /^\P{L}*$/u.test(text.slice(i + trail.length)) &&
      (before === undefined || /\s/u.test(before))
    ) {
      for (let k = i; k < i + trail.length; k++) cut.add(k);
      for (let k = i - 1; k >= 0 && /\s/u.test(text[k]!); k--) cut.add(k);
    }
  }
  // For each UTF-16 offset of `text`, where it is in the result.
  const at: number[] = [];
  let out = '';
  let i = 0;
  for (const ch of text) {
    const gone =
      cut.has(i) ||
      drop.has(ch) ||
      ch === '\u200d' ||
      ch === '\ufe0f' ||
      (/\s/u.test(ch) && (out === '' || /\s$/u.test(out)));
    for (let k = 0; k < ch.length; k++) at[i + k] = out.length;
    if (!gone) out += ch;
    i += ch.length;
  }
  at[i] = out.length;
  // White space left before closing quotes or at the end goes.
  const trimmed = out.replace(/\s+$/u, '');
  const clamp = (v: number): number => Math.min(trimmed.length, v);
  const moved = marks
    .map((m) => ({
      ...m,
      start: clamp(at[m.start] ?? out.length),
      end: clamp(at[m.end] ?? out.length),
    }))
    .filter((m) => m.end > m.start);
  return { text: trimmed, marks: moved };
}

/**
 * The text a cell's words give for its first `lead` and last `trail` non-space characters
 * (code points): what the layout read for the icons at its ends.
 */
export function edgeText(
  text: string,
  lead: number,
  trail: number,
): { lead: string; trail: string } {
  const chars = [...text.trim()];
  const take = (from: readonly string[], n: number): string => {
    let out = '';
    let count = 0;
    for (const ch of from) {
      if (count >= n) break;
      if (/\s/u.test(ch)) {
        if (out !== '') break;
        continue;
      }
      out += ch;
      count++;
    }
    return out;
  };
  return {
    lead: lead > 0 ? take(chars, lead) : '',
    trail: trail > 0 ? [...take([...chars].reverse(), trail)].reverse().join('') : '',
  };
}
