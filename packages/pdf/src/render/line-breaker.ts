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
    if (bk.position > last)
      out.push({ text: text.slice(last, bk.position), required: bk.required });
    last = bk.position;
  }
  if (last < text.length) out.push({ text: text.slice(last), required: false });
  return out;
}

const TRAILING_SPACE = /[\s\u3000]+$/u;

/** A wrapped line and the offset of its first character in the wrapped text. */
export interface WrappedLine {
  text: string;
  at: number;
}

/**
 * Greedy wrapping at UAX #14 opportunities: CJK may break between characters, never
 * before closing punctuation. `measure` gives widths in the same unit as `maxWidth`.
 * A segment wider than a whole line is split between grapheme clusters. The first
 * line may be narrower (`firstWidth`: a paragraph indent, a run-in heading before it).
 */
export function wrapText(
  text: string,
  maxWidth: number,
  measure: (s: string) => number,
  firstWidth = maxWidth,
): string[] {
  return wrapLines(text, maxWidth, (s) => measure(s), firstWidth).map((l) => l.text);
}

/**
 * `wrapText` that tells `measure` where each measured string starts in the text (after
 * line separators became spaces), so stretches set in other styles measure as they will
 * be drawn, and returns where each line starts. No line starts at an offset `glued` says
 * is held to the text before it (a raised footnote mark, a subscript), even after a space.
 */
export function wrapLines(
  input: string,
  maxWidth: number,
  measure: (s: string, at: number) => number,
  firstWidth = maxWidth,
  glued?: (at: number) => boolean,
): WrappedLine[] {
  const text = input.replace(/\n/gu, ' ');
  const lines: WrappedLine[] = [];
  const widthOf = (): number => (lines.length === 0 ? firstWidth : maxWidth);
  // A line's width is the sum of its segments' (each measured once, and cached by the
  // caller): shaping the growing line again at every break opportunity is quadratic,
  // and slow for scripts with complex shaping. Segments meet at break opportunities,
  // where nothing shapes across.
  let line = '';
  let lineAt = 0;
  let lineWidth = 0;
  const push = (): void => {
    const trimmed = line.replace(TRAILING_SPACE, '');
    if (trimmed.length > 0) lines.push({ text: trimmed, at: lineAt });
    line = '';
    lineWidth = 0;
  };
  // Near the limit the line itself is measured: shaping may set a glyph differently
  // inside a line than at a segment's end (a word space between Hangul syllables is wider
  // than a trailing one), so the segments' sum can fall short of the line's real width.
  const fits = (candidate: string, sum: number): boolean =>
    sum <= widthOf() &&
    (sum <= widthOf() * 0.97 ||
      measure(candidate.replace(TRAILING_SPACE, ''), lineAt) <= widthOf());
  let segAt = 0;
  for (const seg of gluedSegments(text, glued)) {
    const at = segAt;
    segAt += seg.text.length;
    // White space that starts a line is not part of it.
    const lead = line.length === 0 ? (/^[\s\u3000]+/u.exec(seg.text)?.[0].length ?? 0) : 0;
    const segText = seg.text.slice(lead);
    if (segText.length === 0) continue;
    const segWidth = measure(segText, at + lead);
    const inkWidth = measure(segText.replace(TRAILING_SPACE, ''), at + lead);
    if (line.length === 0) lineAt = at + lead;
    if (fits(line + segText, lineWidth + inkWidth) || (line.length === 0 && lines.length > 0)) {
      line += segText;
      lineWidth += segWidth;
    } else {
      push();
      line = segText;
      lineAt = at + lead;
      lineWidth = segWidth;
    }
    // A single segment that does not fit on a line of its own is cut between graphemes.
    // (Appended to a line, a segment fits: the test above. Alone, it may not.)
    if (line === segText && inkWidth > widthOf()) {
      if (lines.length === 0 && inkWidth <= maxWidth) {
        // Too wide for the shortened first line only: start it on the next line.
        lines.push({ text: '', at: lineAt });
        continue;
      }
      const pieces = splitGraphemes(line, lineAt, maxWidth, measure);
      for (const piece of pieces.slice(0, -1)) lines.push(piece);
      const last = pieces[pieces.length - 1];
      line = last?.text ?? '';
      lineAt = last?.at ?? lineAt;
      lineWidth = measure(line, lineAt);
    }
    if (seg.required) push();
  }
  push();
  return lines;
}

/** `breakSegments` with no break where `glued` holds, unless after a line separator. */
function gluedSegments(text: string, glued?: (at: number) => boolean): BreakSegment[] {
  const segments = breakSegments(text);
  if (!glued) return segments;
  const out: BreakSegment[] = [];
  let at = 0;
  for (const seg of segments) {
    const last = out[out.length - 1];
    if (last && !last.required && glued(at))
      out[out.length - 1] = { text: last.text + seg.text, required: seg.required };
    else out.push({ ...seg });
    at += seg.text.length;
  }
  return out;
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

function splitGraphemes(
  text: string,
  at: number,
  maxWidth: number,
  measure: (s: string, at: number) => number,
): WrappedLine[] {
  const out: WrappedLine[] = [];
  let current = '';
  let currentAt = at;
  for (const { segment, index } of segmenter.segment(text)) {
    if (current.length > 0 && measure(current + segment, currentAt) > maxWidth) {
      out.push({ text: current, at: currentAt });
      current = '';
      currentAt = at + index;
    }
    current += segment;
  }
  if (current.length > 0) out.push({ text: current, at: currentAt });
  return out;
}
