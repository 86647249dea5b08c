import type { BBox, Span } from '@docat/contracts';
import { union, verticalOverlap } from './geometry.js';

export interface LineBox {
  bbox: BBox;
  spans: Span[];
  text: string;
  /** Size of the span carrying most characters. */
  size: number;
  bold: boolean;
}

const MAX_LOOKBACK = 40;
const SECTION_LABEL_RE = /^(?:\d{1,2}(?:\.\d{1,2})+\.?|\d{1,2}\.|[A-Z]\.|[IVX]{1,4}\.)$/;

/**
 * Group spans into lines: a span joins a recent line it overlaps vertically and
 * continues horizontally within about one em. Larger gaps start a new line, so
 * columns and table cells stay apart.
 */
export function buildLines(spans: readonly Span[]): LineBox[] {
  const lines: { bbox: BBox; spans: Span[]; size: number }[] = [];
  const isLabel = (l: { spans: Span[] }) => l.spans.length === 1 && l.spans[0]!.bold === true && SECTION_LABEL_RE.test(l.spans[0]!.text.trim());
  for (const span of spans) {
    const size = span.size;
    let target: (typeof lines)[number] | undefined;
    for (let i = lines.length - 1; i >= 0 && i >= lines.length - MAX_LOOKBACK; i--) {
      const line = lines[i]!;
      if (verticalOverlap(line.bbox, span.bbox) < 0.5) continue;
      const em = Math.max(size, line.size);
      const after = span.bbox[0] - line.bbox[2];
      const before = line.bbox[0] - span.bbox[2];
      // A section number sits further from its title than words from each other.
      const reach = isLabel(line) && after > 0 ? em * 3 : em * 0.9;
      if ((after <= reach && after >= -em * 0.5) || (before <= em * 0.9 && before >= -em * 0.5)) {
        target = line;
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
  return lines.map(finishLine);
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
      if (gap > Math.min(s.size, prev.size) * 0.12 && !/\s$/.test(text) && !/^\s/.test(s.text)) text += ' ';
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
  return { bbox: raw.bbox, spans, text: text.replace(/\s+/g, ' ').trim(), size, bold: chars > 0 && boldChars / chars > 0.8 };
}
