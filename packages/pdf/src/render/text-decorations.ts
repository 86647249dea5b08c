import type { BBox, Line } from '@docat/contracts';
import { num, type ContentOp } from '../content/index.js';

/**
 * Underlines and strike-throughs of translated words. The page draws them as thin bars or
 * lines of their own, not as part of the text: once the words are replaced they would stay
 * under nothing, or through other words. Those that lie under or through the words of a
 * translated block's lines are taken from the page (see `removeDecorations`) and drawn
 * again where the translation set the words they belonged to.
 */

/** A decoration the page draws, in displayed-page coordinates (y down). */
export interface DecorationCandidate {
  box: BBox;
  thickness: number;
}

/** How a decoration taken from the page is drawn again. */
export interface Redraw {
  /** `under` below the baseline (an underline), `through` across the words (a strike-through). */
  kind: 'under' | 'through';
  /** Its middle's height above the baseline, as a share of the source's font size (negative: below). */
  rise: number;
  /** Its thickness as a share of the source's font size. */
  weight: number;
  /** Its index in the candidates given (its colour is that decoration's). */
  source: number;
  /** It was under (or through) a link's words: it goes under the words of that link. */
  href?: string;
  /** Under (or through) all the block's words: it goes under every line of the translation. */
  whole?: boolean;
}

export interface ItemDecorations {
  /** Indexes of the candidates that belong to the block's words (to be taken from the page). */
  taken: number[];
  /** What is drawn again; the rest of `taken` (under a few words no mark follows) is only removed. */
  redraw: Redraw[];
}

function overlap(a0: number, a1: number, b0: number, b1: number): number {
  return Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
}

/**
 * The decorations among `candidates` that belong to the words of `lines` (a block or a
 * cell), and how each is drawn again. One belongs to a line when it is at most a fifth of
 * the font size thick, lies just below the line's baseline (an underline) or through its
 * lowercase letters (a strike-through), reaches no further than half an em past the line's
 * words, and has words over most of its length. It is drawn again under a link's words when
 * every word over it is of that link, under every line when the block's lines all have one
 * of the kind across all their words; otherwise it is only removed. `baselines` gives each
 * line's baseline (displayed page, y down), when known.
 */
export function itemDecorations(
  lines: readonly Line[],
  size: number,
  baselines: readonly (number | undefined)[],
  candidates: readonly DecorationCandidate[],
  used: ReadonlySet<number> = new Set(),
): ItemDecorations {
  const taken: number[] = [];
  const redraw: Redraw[] = [];
  // Per kind, the lines with words and how much of their words' length is decorated.
  const covered = { under: [] as number[], through: [] as number[] };
  let wordLines = 0;
  const firstOf: Partial<Record<Redraw['kind'], Redraw>> = {};
  lines.forEach((line, li) => {
    const words = line.spans.filter((s) => s.text.trim() !== '');
    if (words.length === 0) return;
    wordLines++;
    const s = Math.max(1, ...words.map((w) => w.size)) || size;
    const tx0 = Math.min(...words.map((w) => w.bbox[0]));
    const tx1 = Math.max(...words.map((w) => w.bbox[2]));
    // Without a baseline from the content: the words' boxes reach about a fifth of the size below it.
    const base = baselines[li] ?? Math.max(...words.map((w) => w.bbox[3])) - s * 0.21;
    const lengths = { under: 0, through: 0 };
    candidates.forEach((c, i) => {
      if (used.has(i) || taken.includes(i)) return;
      const [x0, y0, x1, y1] = c.box;
      if (c.thickness > Math.max(0.2 * s, 0.6)) return;
      const dy = (y0 + y1) / 2 - base;
      const kind =
        dy >= -0.03 * s && dy <= 0.35 * s
          ? 'under'
          : dy >= -0.45 * s && dy <= -0.12 * s
            ? 'through'
            : undefined;
      if (!kind) return;
      if (x0 < tx0 - 0.5 * s || x1 > tx1 + 0.5 * s) return;
      const over = words.reduce((a, w) => a + overlap(w.bbox[0], w.bbox[2], x0, x1), 0);
      if (over < (x1 - x0) * 0.6) return;
      taken.push(i);
      lengths[kind] += overlap(tx0, tx1, x0, x1);
      // The words it is under: half of each under it, or it half under one (a line per
      // word under a run of words that is one span).
      const along = words.filter((w) => {
        const ww = w.bbox[2] - w.bbox[0];
        return ww > 0 && overlap(w.bbox[0], w.bbox[2], x0, x1) >= Math.min(ww, x1 - x0) * 0.5;
      });
      const hrefs = new Set(along.map((w) => w.href));
      const href = hrefs.size === 1 ? [...hrefs][0] : undefined;
      const r: Redraw = {
        kind,
        rise: -dy / s,
        weight: c.thickness / s,
        source: i,
        ...(href ? { href } : {}),
      };
      firstOf[kind] ??= r;
      // One redraw per link target and kind: its words may be set anywhere.
      if (href && !redraw.some((x) => x.href === href && x.kind === kind)) redraw.push(r);
    });
    covered.under.push(lengths.under / Math.max(1e-6, tx1 - tx0));
    covered.through.push(lengths.through / Math.max(1e-6, tx1 - tx0));
  });
  for (const kind of ['under', 'through'] as const) {
    const first = firstOf[kind];
    if (!first || wordLines === 0) continue;
    if (covered[kind].length === wordLines && covered[kind].every((v) => v >= 0.85)) {
      // The whole block is decorated: its links' own redraws would draw it twice.
      for (let k = redraw.length - 1; k >= 0; k--)
        if (redraw[k]!.kind === kind) redraw.splice(k, 1);
      redraw.push({ ...first, whole: true, href: undefined });
    }
  }
  return { taken, redraw: redraw.map((r) => (r.href === undefined ? omitHref(r) : r)) };
}

function omitHref(r: Redraw): Redraw {
  const { href: _href, ...rest } = r;
  return rest;
}

/** A stretch of a set line (drawing space, y up): from `x0` to `x1` on `baseline`, at `size`. */
export interface SetStretch {
  x0: number;
  x1: number;
  baseline: number;
  size: number;
}

/**
 * Operations drawing a decoration again under (or through) each stretch: a bar in its
 * source colour (`color`, fill-colour operators), its thickness and its height from the
 * baseline scaled with the size the words are set at.
 */
export function decorationOps(
  r: Redraw,
  color: readonly ContentOp[],
  stretches: readonly SetStretch[],
): ContentOp[] {
  const parts = stretches.filter((s) => s.x1 > s.x0);
  if (parts.length === 0) return [];
  const round = (v: number): number => Math.round(v * 1000) / 1000;
  const ops: ContentOp[] = [{ op: 'q', operands: [] }, ...color];
  for (const s of parts) {
    const t = Math.max(0.1, r.weight * s.size);
    const mid = s.baseline + r.rise * s.size;
    // One path per bar, as a page draws them (and as `findDecorations` reads them).
    ops.push(
      { op: 're', operands: [s.x0, mid - t / 2, s.x1 - s.x0, t].map((v) => num(round(v))) },
      { op: 'f', operands: [] },
    );
  }
  ops.push({ op: 'Q', operands: [] });
  return ops;
}
