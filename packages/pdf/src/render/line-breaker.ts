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
 * A segment wider than a whole line is split between grapheme clusters. The first
 * line may be narrower (`firstWidth`: a paragraph indent, a run-in heading before it).
 */
export function wrapText(text: string, maxWidth: number, measure: (s: string) => number, firstWidth = maxWidth): string[] {
  const lines: string[] = [];
  const widthOf = (): number => (lines.length === 0 ? firstWidth : maxWidth);
  // A line's width is the sum of its segments' (each measured once, and cached by the
  // caller): shaping the growing line again at every break opportunity is quadratic,
  // and slow for scripts with complex shaping. Segments meet at break opportunities,
  // where nothing shapes across.
  let line = '';
  let lineWidth = 0;
  const push = (): void => {
    const trimmed = line.replace(TRAILING_SPACE, '');
    if (trimmed.length > 0) lines.push(trimmed);
    line = '';
    lineWidth = 0;
  };
  // Near the limit the line itself is measured: shaping may set a glyph differently
  // inside a line than at a segment's end (a word space between Hangul syllables is wider
  // than a trailing one), so the segments' sum can fall short of the line's real width.
  const fits = (candidate: string, sum: number): boolean =>
    sum <= widthOf() && (sum <= widthOf() * 0.97 || measure(candidate.replace(TRAILING_SPACE, '')) <= widthOf());
  for (const seg of breakSegments(text.replace(/\s*\n\s*/gu, ' '))) {
    const segWidth = measure(seg.text);
    const inkWidth = measure(seg.text.replace(TRAILING_SPACE, ''));
    if (fits(line + seg.text, lineWidth + inkWidth) || (line.length === 0 && lines.length > 0)) {
      line += seg.text;
      lineWidth += segWidth;
    } else {
      push();
      line = seg.text;
      lineWidth = segWidth;
    }
    // A single segment that does not fit on a line of its own is cut between graphemes.
    // (Appended to a line, a segment fits: the test above. Alone, it may not.)
    if (line === seg.text && inkWidth > widthOf()) {
      if (lines.length === 0 && inkWidth <= maxWidth) {
        // Too wide for the shortened first line only: start it on the next line.
        lines.push('');
        continue;
      }
      const pieces = splitGraphemes(line, maxWidth, measure);
      for (const piece of pieces.slice(0, -1)) lines.push(piece);
      line = pieces[pieces.length - 1] ?? '';
      lineWidth = measure(line);
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
