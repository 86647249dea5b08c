import type { InlineMark } from '@docat/contracts';
import type { StyledStretch } from './block-setter.js';
import type { ShapedRun } from './text-shaper.js';

/**
 * Inline mathematics is set as the source set it: each piece of a math run (see
 * `InlineMark.parts`) at its own size and baseline against the line (`U` then a smaller,
 * lower `x0,y`), math italic letters in the italic face. A script in prose (a footnote
 * mark, a citation number, the `2` of H₂O) is set the same way. The renderer's other pieces of
 * text carry neither, so a stretch that has them is drawn with a text rise (`Ts`) and
 * at a scaled font size, and measured at that size when lines are broken.
 */

/** The size and baseline of a stretch against its line's: absent, the line's own. */
export interface MathSetting {
  /** Font size as a share of the line's. */
  scale?: number;
  /** Baseline above the line's, as a share of the line's font size (negative: below). */
  rise?: number;
}

/** Whether a stretch (or piece of one) is set at the line's size and on its baseline. */
export function onBaseline(s: MathSetting): boolean {
  return (s.scale ?? 1) === 1 && (s.rise ?? 0) === 0;
}

/** The setting of a stretch, for the pieces cut from it. */
export function mathSetting(s: MathSetting): MathSetting {
  return {
    ...(s.scale !== undefined && s.scale !== 1 ? { scale: s.scale } : {}),
    ...(s.rise !== undefined && s.rise !== 0 ? { rise: s.rise } : {}),
  };
}

/** A run shaped at size 1 set at `s`: its width scaled, its size and rise on it (in place). */
export function setRun(run: ShapedRun, s: MathSetting): void {
  if (onBaseline(s)) return;
  const scale = s.scale ?? 1;
  run.width *= scale;
  if (scale !== 1) run.scale = scale;
  if (s.rise) run.rise = s.rise;
}

/**
 * The stretches a math mark with `parts` is set as, one per piece, over offsets into
 * `text` (the translation, where the run was restored as it was). White space inside the
 * run goes with the piece after it; characters past the parts are set as the line's.
 * `shaperFor(italic)` gives the shaper of the block's style, italic or not; `common` holds
 * what every piece takes from the mark (a script's colour or link).
 */
export function mathStretches(
  mark: InlineMark,
  text: string,
  shaperFor: (italic: boolean | undefined) => StyledStretch['shaper'],
  common: Pick<StyledStretch, 'color' | 'href' | 'link' | 'background'> = {},
): StyledStretch[] {
  const out: StyledStretch[] = [];
  const end = Math.min(mark.end, text.length);
  let at = mark.start;
  for (const part of mark.parts ?? []) {
    if (at >= end) break;
    let from = at;
    while (from < end && /\s/u.test(text[from]!)) from++;
    let count = 0;
    let to = from;
    while (to < end && count < part.length) {
      if (!/\s/u.test(text[to]!)) count++;
      to++;
    }
    if (to > at)
      out.push({
        start: at,
        end: to,
        shaper: shaperFor(part.italic ? true : undefined),
        ...common,
        ...mathSetting(part),
      });
    at = to;
  }
  if (at < end) out.push({ start: at, end, shaper: shaperFor(undefined), ...common });
  return out;
}
