import LineBreaker from 'linebreak';

/** Text between two break opportunities (UAX #14), trailing white space included. */
export interface BreakSegment {
  text: string;
  /** A mandatory break follows (a line separator in the text). */
  required: boolean;
}

export function breakSegments(text: string): BreakSegment[] {
  const breaker = new LineBreaker(text);
  const out: BreakSegment[] = [];
  let last = 0;
  for (let bk = breaker.nextBreak(); bk; bk = breaker.nextBreak()) {
    if (bk.position > last) out.push({ text: text.slice(last, bk.position), required: bk.required });
    last = bk.position;
  }
  if (last < text.length) out.push({ text: text.slice(last), required: false });
  return out;
}

const TRAILING_SPACE = /[\s\u3000]+$/u;

/**
 * Greedy wrapping at UAX #14 opportunities: CJK may break between characters, never
 * before closing punctuation. `measure` gives widths in the same unit as `maxWidth`.
 * A segment wider than a whole line is split between grapheme clusters.
 */
export function wrapText(text: string, maxWidth: number, measure: (s: string) => number): string[] {
  const lines: string[] = [];
  let line = '';
  const push = (): void => {
    const trimmed = line.replace(TRAILING_SPACE, '');
    if (trimmed.length > 0) lines.push(trimmed);
    line = '';
  };
  for (const seg of breakSegments(text.replace(/\s*\n\s*/gu, ' '))) {
    const candidate = line + seg.text;
    if (measure(candidate.replace(TRAILING_SPACE, '')) <= maxWidth || line.length === 0) {
      line = candidate;
    } else {
      push();
      line = seg.text;
    }
    // A single segment that does not fit on a line of its own is cut between graphemes.
    if (measure(line.replace(TRAILING_SPACE, '')) > maxWidth) {
      const pieces = splitGraphemes(line, maxWidth, measure);
      for (const piece of pieces.slice(0, -1)) lines.push(piece);
      line = pieces[pieces.length - 1] ?? '';
    }
    if (seg.required) push();
  }
  push();
  return lines;
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

function splitGraphemes(text: string, maxWidth: number, measure: (s: string) => number): string[] {
  const out: string[] = [];
  let current = '';
  for (const { segment } of segmenter.segment(text)) {
    if (current.length > 0 && measure(current + segment) > maxWidth) {
      out.push(current);
      current = '';
    }
    current += segment;
  }
  if (current.length > 0) out.push(current);
  return out;
}
