import type { Glyph } from '@pdf-lib/fontkit';
import type { FontFace } from '../fonts/font-files.js';
import { setRun, type MathSetting } from './inline-math.js';
import type { FontLibrary, TextStyle } from '../fonts/font-library.js';
import { mirrored, visualRuns } from './bidi-runs.js';

/** A glyph placed by the shaper. Distances are in font units of its face. */
export interface PositionedGlyph {
  glyph: Glyph;
  /** The text this glyph stands for in ToUnicode (a cluster for ligatures and conjuncts). */
  text: string;
  xAdvance: number;
  xOffset: number;
  yOffset: number;
  /** A word space, where justification may widen the line. */
  space: boolean;
}

/** A stretch of one face and one direction, glyphs in visual (left-to-right) order. */
export interface ShapedRun {
  face: FontFace;
  unitsPerEm: number;
  rtl: boolean;
  /** The run's text in logical order. */
  text: string;
  glyphs: PositionedGlyph[];
  /**
   * True when the glyphs' ToUnicode texts, read in logical order, do not give back the
   * run's text (reordered Devanagari matras, dropped or inserted glyphs): such runs
   * carry ActualText.
   */
  reordered: boolean;
  /** Advance at font size 1 (points per point of size), `hscale` applied. */
  width: number;
  /**
   * Horizontal scale the run is drawn with (PDF `Tz` over 100), for a source set in a
   * condensed face; absent at 100%. Glyph advances and offsets stay unscaled font units.
   */
  hscale?: number;
  /** Fill colour of a stretch set in another colour than its block. */
  color?: [number, number, number];
  /** Link target of the stretch the run belongs to, and which stretch that is. */
  href?: string;
  link?: number;
  /** Inline mathematics: font size as a share of the line's, baseline above the line's (see `inline-math.ts`). */
  scale?: number;
  rise?: number;
  /** Fill drawn behind the run's stretch (a highlight, shaded inline code). */
  background?: [number, number, number];
}

export interface ShapedLine {
  runs: ShapedRun[];
  width: number;
  /** Characters no installed font can draw (they are left out, never drawn as .notdef). */
  missing: string[];
}

/**
 * A stretch of a line set in another style than the line's shaper: its own shaper (face),
 * colour, link, background; inline mathematics also its own size and baseline
 * (`MathSetting`, see `inline-math.ts`).
 */
export interface LineStyle extends MathSetting {
  /** UTF-16 offsets in the line's text. */
  start: number;
  end: number;
  shaper: TextShaper;
  color?: [number, number, number];
  href?: string;
  /** Tells the stretches of one block apart (two links to the same target). */
  link?: number;
  /** Fill drawn behind the stretch's words (a highlight, shaded inline code). */
  background?: [number, number, number];
}

interface ShapeOptions {
  script?: string;
  direction: 'ltr' | 'rtl';
}

type LayoutFn = (
  text: string,
  features: string[],
  script: string | undefined,
  language: string | undefined,
  direction: string,
) => {
  glyphs: Glyph[];
  positions: { xAdvance: number; yAdvance: number; xOffset: number; yOffset: number }[];
};

/** Shaped words one shaper keeps at most before it starts again. */
const MAX_SHAPED_WORDS = 50_000;

/** OpenType script tags fontkit expects for the scripts that need a script-specific shaper. */
function otScript(face: FontFace): string | undefined {
  switch (face.family) {
    case 'naskh-arabic':
    case 'sans-arabic':
      return 'arab';
    case 'sans-hebrew':
      return 'hebr';
    case 'sans-devanagari':
      return 'deva';
    default:
      return undefined;
  }
}

/**
 * Shapes text for one target language and style: fonts per character, bidi order per
 * line, OpenType substitution and positioning (GSUB/GPOS) by fontkit.
 */
export class TextShaper {
  private readonly widths = new Map<string, number>();
  /** Shaped words by face, direction and text (see `shapeWords`). */
  private readonly words = new Map<string, ShapedRun>();

  constructor(
    private readonly library: FontLibrary,
    readonly language: string,
    readonly style: TextStyle,
    readonly baseDirection: 'ltr' | 'rtl',
    /** Horizontal scale of everything this shaper sets (see `ShapedRun.hscale`). */
    readonly widthScale = 1,
  ) {}

  private shapeRun(face: FontFace, text: string, opts: ShapeOptions): ShapedRun {
    const font = this.library.font(face);
    const layout = (font.layout as unknown as LayoutFn).bind(font);
    // A right-to-left run draws brackets mirrored (UAX #9 rule L4), and its glyphs still
    // stand for the characters of the text.
    const rtl = opts.direction === 'rtl';
    const drawn = rtl ? mirrored(text) : text;
    const run = layout(drawn, [], opts.script ?? otScript(face), undefined, opts.direction);
    const glyphs: PositionedGlyph[] = [];
    let width = 0;
    run.glyphs.forEach((glyph, i) => {
      const p = run.positions[i]!;
      width += p.xAdvance;
      if (glyph.id === 0) return;
      const shown = String.fromCodePoint(...glyph.codePoints);
      const chars = rtl && drawn !== text ? mirrored(shown) : shown;
      glyphs.push({
        glyph,
        text: chars,
        xAdvance: p.xAdvance,
        xOffset: p.xOffset,
        yOffset: p.yOffset,
        space: chars === ' ',
      });
    });
    const logical = (opts.direction === 'rtl' ? [...glyphs].reverse() : glyphs)
      .map((g) => g.text)
      .join('');
    const reordered = logical !== text;
    return {
      face,
      unitsPerEm: font.unitsPerEm,
      rtl: opts.direction === 'rtl',
      text,
      glyphs,
      reordered,
      width: (width / font.unitsPerEm) * this.widthScale,
      ...(this.widthScale !== 1 ? { hscale: this.widthScale } : {}),
    };
  }

  /**
   * A left-to-right run shaped word by word, each word shaped once per shaper: a book's
   * lines repeat the same words, and shaping each line whole through GSUB and GPOS was
   * about a fifth of a render's time. Lookups do not reach across a word space in the
   * scripts set left to right here (no ligature, conjunct or joining spans a space, and
   * the fonts kern no pair with the space), so the glyphs are the ones the whole run gets.
   * Scripts with a shaper of their own (Devanagari) are shaped whole.
   */
  private shapeWords(face: FontFace, text: string): ShapedRun {
    if (otScript(face) !== undefined) return this.shapeRun(face, text, { direction: 'ltr' });
    const parts = text.split(/( +)/u).filter((p) => p.length > 0);
    const shaped = parts.map((part) => {
      const key = `${face.key}\u0000${part}`;
      let run = this.words.get(key);
      if (!run) {
        // A bound on what one shaper keeps: a long document's vocabulary, not every string.
        if (this.words.size >= MAX_SHAPED_WORDS) this.words.clear();
        run = this.shapeRun(face, part, { direction: 'ltr' });
        this.words.set(key, run);
      }
      return run;
    });
    if (shaped.length === 1) return { ...shaped[0]! };
    return {
      face,
      unitsPerEm: shaped[0]!.unitsPerEm,
      rtl: false,
      text,
      glyphs: shaped.flatMap((r) => r.glyphs),
      reordered: shaped.some((r) => r.reordered),
      width: shaped.reduce((w, r) => w + r.width, 0),
      ...(this.widthScale !== 1 ? { hscale: this.widthScale } : {}),
    };
  }

  /** Advance of `text` at size 1, shaped as one logical run (line breaking measures words with it). */
  measure(text: string): number {
    let w = this.widths.get(text);
    if (w !== undefined) return w;
    w = 0;
    for (const item of this.library.itemize(text, this.language, this.style)) {
      if (!item.face) continue;
      w += this.shapeRun(item.face, item.text, { direction: this.runDirection(item.text) }).width;
    }
    this.widths.set(text, w);
    return w;
  }

  private runDirection(text: string): 'ltr' | 'rtl' {
    return /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]/u.test(text) ? 'rtl' : 'ltr';
  }

  /**
   * One line, shaped and ordered for display, left to right. `styles` are stretches of
   * the line set in other styles (sorted and apart, each with its own shaper: face,
   * colour, link); the rest is set in this shaper's. The bidi algorithm runs on the whole
   * line in this shaper's base direction, across the stretches: each visual run is one
   * level, one style and one face, so a styled word keeps its place in the line's reading
   * order and its style at that place.
   */
  shapeLine(text: string, styles: readonly LineStyle[] = []): ShapedLine {
    const missing: string[] = [];
    if (text.length === 0) return { runs: [], width: 0, missing };
    // Which style (0 for this shaper's, i + 1 for styles[i]), face and font item (a
    // stretch of one style and one face: what a visual run must not cross) set each
    // UTF-16 index.
    const styleAt = new Uint16Array(text.length);
    const faceAt: (FontFace | null)[] = new Array<FontFace | null>(text.length).fill(null);
    const itemAt = new Uint32Array(text.length);
    let items = 0;
    const itemize = (shaper: TextShaper, from: number, to: number, style: number): void => {
      if (to <= from) return;
      styleAt.fill(style, from, to);
      const part = text.slice(from, to);
      for (const item of shaper.library.itemize(part, shaper.language, shaper.style)) {
        const start = from + item.start;
        faceAt.fill(item.face, start, start + item.text.length);
        itemAt.fill(items++, start, start + item.text.length);
        if (!item.face) missing.push(item.text);
      }
    };
    let pos = 0;
    styles.forEach((s, i) => {
      const from = Math.max(pos, Math.min(s.start, text.length));
      const to = Math.min(Math.max(from, s.end), text.length);
      itemize(this, pos, from, 0);
      itemize(s.shaper, from, to, i + 1);
      pos = to;
    });
    itemize(this, pos, text.length, 0);
    const runs: ShapedRun[] = [];
    let width = 0;
    for (const v of visualRuns(text, this.baseDirection, (i) => itemAt[i]!)) {
      const face = faceAt[v.start];
      if (!face) continue;
      const style = styleAt[v.start]! > 0 ? styles[styleAt[v.start]! - 1] : undefined;
      const shaper = style?.shaper ?? this;
      const part = text.slice(v.start, v.end);
      const run =
        v.level % 2 === 1
          ? shaper.shapeRun(face, part, { direction: 'rtl' })
          : shaper.shapeWords(face, part);
      if (style?.color) run.color = style.color;
      if (style?.background) run.background = style.background;
      if (style?.href) {
        run.href = style.href;
        run.link = style.link ?? 0;
      }
      if (style) setRun(run, style);
      runs.push(run);
      width += run.width;
    }
    return { runs, width, missing };
  }
}
