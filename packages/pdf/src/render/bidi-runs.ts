import * as bidiModule from 'bidi-js';
import type { Bidi } from 'bidi-js';

// bidi-js is a CommonJS module whose typings declare an ES default export: Node hands
// the factory over as `default`, TypeScript types `default` as the whole module.
const bidiFactory = bidiModule.default as unknown as (() => Bidi) | { default: () => Bidi };
const bidi: Bidi = typeof bidiFactory === 'function' ? bidiFactory() : bidiFactory.default();

/** A stretch of a line drawn in one direction and one class (style and face). */
export interface VisualRun {
  /** First UTF-16 index of the run in the line's logical text. */
  start: number;
  /** One past its last index. */
  end: number;
  /** Its UAX #9 embedding level: odd for right to left. */
  level: number;
}

/**
 * A line's runs in visual order, left to right. The Unicode bidi algorithm (UAX #9)
 * resolves levels on the whole line in `baseDirection` and reorders it (rule L2), and
 * a run ends wherever the level, or the class `classAt` gives an index (its style and
 * face), changes: each run is one style, one face and one direction, its characters
 * contiguous in logical order. So a bold word, a Latin name or a number inside a
 * right-to-left sentence lands where the line's reading order puts it, whatever style
 * stretch it belongs to.
 */
export function visualRuns(
  text: string,
  baseDirection: 'ltr' | 'rtl',
  classAt: (index: number) => string | number = () => 0,
): VisualRun[] {
  if (text.length === 0) return [];
  const levels = bidi.getEmbeddingLevels(text, baseDirection);
  const order = bidi.getReorderedIndices(text, levels, 0, text.length - 1);
  const groups: { from: number; to: number; level: number; cls: string | number }[] = [];
  for (const index of order) {
    const level = levels.levels[index]!;
    const cls = classAt(index);
    const g = groups[groups.length - 1];
    const rtl = level % 2 === 1;
    if (
      g &&
      g.level === level &&
      g.cls === cls &&
      (rtl ? index === g.from - 1 : index === g.to + 1)
    ) {
      if (rtl) g.from = index;
      else g.to = index;
    } else groups.push({ from: index, to: index, level, cls });
  }
  return groups.map((g) => ({ start: g.from, end: g.to + 1, level: g.level }));
}

/**
 * Where every character with a mirrored pair in Unicode lies (and some more): most lines
 * have none, and are given back without a look at each character.
 */
const MIRRORABLE =
  /[()<>[\]{}«»\u0f3a-\u0f3d\u169b\u169c\u2039\u203a\u2045\u2046\u207d\u207e\u208d\u208e\u2100-\u2bff\u2e00-\u2e7f\u3008-\u301b\ufe59-\ufe66\uff08-\uff63\u{1d400}-\u{1d7ff}]/u;

/**
 * `text` with every character that has a mirrored pair in Unicode (brackets, guillemets,
 * less-than) replaced by it: what a right-to-left run draws (rule L4), since the fonts
 * mirror nothing themselves. Mirroring is its own inverse, so the same call gives back
 * the logical characters of mirrored glyphs.
 */
export function mirrored(text: string): string {
  if (!MIRRORABLE.test(text)) return text;
  let out = '';
  for (const ch of text) out += bidi.getMirroredCharacter(ch) ?? ch;
  return out;
}
