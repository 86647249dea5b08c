import type { BBox, Span } from '@docat/contracts';
import type { PathShape } from '../extract/page-reader.js';
import type { LineBox } from './lines.js';

/**
 * Fills drawn behind some words of a line and not the whole line (a highlighted phrase,
 * shaded inline code, a key chip, a coloured tag) are tied to the spans they lie behind
 * (`Span.background`), so that the mark travels with the words through translation.
 * A fill behind the whole line or a whole block (a banner, a shaded panel, a table row)
 * is not: it stays where it is, as the page's own graphics.
 *
 * A fill qualifies when it is a plain colour (no pattern), filled and not outlined, about
 * one line high (half to twice the line's height), lies across one line, and the words it
 * covers fill most of it. A span the fill covers only in part (a highlight inside a run of
 * one font) is cut where the fill starts or ends, at the nearest word space.
 */
export function markTextBackgrounds(lines: LineBox[], shapes: readonly PathShape[]): void {
  for (const shape of shapes) {
    if (!shape.filled || shape.stroked || !shape.color) continue;
    const b = shape.bbox;
    const w = b[2] - b[0];
    const h = b[3] - b[1];
    if (w <= 1 || h <= 1 || w < h) continue;
    const line = lineBehind(lines, b);
    if (!line) continue;
    const lh = line.bbox[3] - line.bbox[1];
    const covered: Span[] = [];
    let others = false;
    for (const span of line.spans) {
      const over = overlap(span.bbox, b);
      const sw = span.bbox[2] - span.bbox[0];
      if (over <= 0 || sw <= 0 || over < sw * 0.15) {
        if (span.text.trim() !== '') others = true;
        continue;
      }
      if (over >= sw * 0.85) covered.push(span);
      else {
        covered.push(span);
        // Part of the span lies outside the fill: words the fill is not behind.
        others = true;
      }
    }
    if (!others || covered.length === 0) continue;
    if (covered.some((s) => s.background)) continue;
    const x0 = Math.min(...covered.map((s) => Math.max(s.bbox[0], b[0])));
    const x1 = Math.max(...covered.map((s) => Math.min(s.bbox[2], b[2])));
    // The words fill the fill but for its padding: a table cell's shading is wider.
    if (w - (x1 - x0) > Math.max(lh * 1.5, w * 0.4)) continue;
    const background = { color: shape.color, bbox: b };
    const spans: Span[] = [];
    for (const span of line.spans) {
      if (!covered.includes(span)) {
        spans.push(span);
        continue;
      }
      const parts = cutAt(span, b);
      for (const p of parts) {
        if (p.inside) spans.push({ ...p.span, background });
        else spans.push(p.span);
      }
    }
    if (!spans.some((s) => s.background)) continue;
    // The cut keeps every character: the line's text is unchanged.
    line.spans.splice(0, line.spans.length, ...spans);
  }
}

/** The line a fill lies behind: its middle inside the fill's height, the fill about its height. */
function lineBehind(lines: readonly LineBox[], b: BBox): LineBox | undefined {
  const h = b[3] - b[1];
  let best: LineBox | undefined;
  let bestOver = 0;
  for (const l of lines) {
    const lh = l.bbox[3] - l.bbox[1];
    const cy = (l.bbox[1] + l.bbox[3]) / 2;
    if (cy < b[1] || cy > b[3] || h > lh * 2 || h < lh * 0.5) continue;
    if (b[0] < l.bbox[0] - lh || b[2] > l.bbox[2] + lh) continue;
    const over = overlap(l.bbox, b);
    if (over > bestOver) [best, bestOver] = [l, over];
  }
  return best;
}

function overlap(a: BBox, b: BBox): number {
  return Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
}

/**
 * The span cut where the fill's left and right edges cross it, each cut moved to the
 * nearest word space (characters are taken to be of one width). Parts keep every
 * character; a space at a cut stays with the part before it.
 */
function cutAt(span: Span, b: BBox): { span: Span; inside: boolean }[] {
  const text = span.text;
  const [sx0, , sx1] = span.bbox;
  const per = (sx1 - sx0) / Math.max(1, text.length);
  const at = (x: number): number => {
    const raw = Math.round((x - sx0) / per);
    if (raw <= 0 || raw >= text.length) return raw <= 0 ? 0 : text.length;
    // The nearest space within four characters; the cut goes after it.
    for (let d = 0; d <= 4; d++) {
      for (const i of [raw - 1 + d, raw - 1 - d]) {
        if (i >= 0 && i < text.length && /\s/u.test(text[i]!)) return i + 1;
      }
    }
    return raw;
  };
  const from = b[0] > sx0 + per * 0.5 ? at(b[0]) : 0;
  const to = b[2] < sx1 - per * 0.5 ? at(b[2]) : text.length;
  if (to <= from) return [{ span, inside: false }];
  const piece = (i: number, j: number, inside: boolean) => ({
    span: {
      ...span,
      text: text.slice(i, j),
      bbox: [sx0 + i * per, span.bbox[1], sx0 + j * per, span.bbox[3]] as BBox,
    },
    inside,
  });
  const out: { span: Span; inside: boolean }[] = [];
  if (from > 0) out.push(piece(0, from, false));
  out.push(piece(from, to, true));
  if (to < text.length) out.push(piece(to, text.length, false));
  // The first and last parts keep the span's own edges exactly.
  out[0]!.span.bbox[0] = sx0;
  out[out.length - 1]!.span.bbox[2] = sx1;
  return out.filter((p) => p.span.text.length > 0);
}
