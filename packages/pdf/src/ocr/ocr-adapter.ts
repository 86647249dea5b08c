import type { Span } from '@docat/contracts';

/** The OCR engines Docat can drive; `auto` picks native tesseract when it is installed. */
export const OCR_ADAPTER_NAMES = ['native', 'tesseract-js'] as const;
export type OcrAdapterName = (typeof OCR_ADAPTER_NAMES)[number];

export interface OcrWord {
  text: string;
  /** Pixel box in the recognised image. */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  confidence: number;
}

export interface OcrLine {
  words: OcrWord[];
  /**
   * The line's text height in pixels as the engine measured its row (ascender top to
   * descender bottom, tesseract's `x_size`), when it says. Steadier than the tallest word:
   * a line without descenders (a heading) or with parentheses is not a different size.
   */
  size?: number;
  /** The slope of the line's baseline (pixels down per pixel right), when the engine says. */
  slope?: number;
  /** Set in bold, as its ink tells (see `markBoldLines`). */
  bold?: boolean;
}

/** Clockwise turn (degrees) that makes an image read upright, as orientation detection judged it. */
export interface Orientation {
  degrees: 0 | 90 | 180 | 270;
  confidence: number;
  /** The script OSD saw (tesseract's name: `Latin`, `Cyrillic`, `Han`...), when it says. */
  script?: string;
}

/**
 * The OCR port: one adapter per engine. An adapter bounds its own parallelism (at most
 * `concurrency` images at once; more calls wait), reads language data from local folders
 * only, and is closed by whoever created it.
 */
export interface OcrAdapter {
  readonly name: OcrAdapterName;
  /** Images recognised at once; callers keep about this many in flight. */
  readonly concurrency: number;
  /** Lowest resolution (dpi) the engine reads well at: scans of a lower one are drawn up to it. */
  readonly minDpi: number;
  /** Whether `language` (a tesseract code such as `eng`) can be read. */
  hasLanguage(language: string): boolean;
  /**
   * Read `image`, an image file: a binary grey PGM as pages are drawn for OCR (see
   * `grey-image.ts`; no encoding to pay for), or a PNG.
   */
  recognize(image: Buffer, language: string): Promise<OcrLine[]>;
  /** Orientation detection (tesseract OSD); undefined when the adapter has no OSD data or is unsure. */
  orientation(image: Buffer): Promise<Orientation | undefined>;
  /**
   * Called before a page is drawn for this adapter to read: the drawing is OCR work too
   * (the sandbox lowers its priority from here on, see `OcrBudget.nice`).
   */
  willDraw?(): void;
  close(): Promise<void>;
}

/** Orientation detection below this confidence (tesseract's OSD scale) is ignored. */
export const MIN_ORIENTATION_CONFIDENCE = 2;
/** OSD's script guess below this confidence is ignored (it is unreliable on small scans). */
export const MIN_SCRIPT_CONFIDENCE = 3;

/** Mean word confidence (0-100) under which a reading is suspected to be of a turned scan. */
const MIN_UPRIGHT_CONFIDENCE = 60;

/**
 * Whether recognised text looks like a scan read turned: most longer words are taller than
 * wide (lines run vertically), or the words are recognised with low confidence (upside down).
 */
export function looksTurned(lines: readonly OcrLine[]): boolean {
  const words = lines.flatMap((l) => l.words);
  if (words.length === 0) return true;
  const long = words.filter((w) => w.text.length >= 4);
  const tall = long.filter((w) => w.y1 - w.y0 > w.x1 - w.x0).length;
  if (long.length >= 5 && tall > long.length / 2) return true;
  const mean = words.reduce((a, w) => a + w.confidence, 0) / words.length;
  return mean < MIN_UPRIGHT_CONFIDENCE;
}

/** A line's band shorter than this share of its size grows about its middle, else downwards. */
const INK_ONLY_ABOVE = 0.6;

/**
 * Spans of OCR words (as `wordsToSpans` made them, `counts[i]` for the i-th line) given the
 * band of their line, top to bottom, as a text layer's spans have: an engine's word box holds
 * only its ink, so `cube` stands shorter than `morph` on the same row, and a box shorter than
 * a line at its size is a box the renderer shrinks its translation into. A line with no
 * descenders (or no ascenders) grows to its size.
 */
export function lineBands(spans: readonly Span[], counts: readonly number[]): Span[] {
  const out: Span[] = [];
  let at = 0;
  for (const n of counts) {
    const line = spans.slice(at, at + n);
    at += n;
    if (line.length === 0) continue;
    let top = Math.min(...line.map((s) => s.bbox[1]));
    let bottom = Math.max(...line.map((s) => s.bbox[3]));
    const size = line[0]!.size;
    if (bottom - top < size) {
      if (bottom - top < size * INK_ONLY_ABOVE) {
        const middle = (top + bottom) / 2;
        top = middle - size / 2;
      }
      bottom = top + size;
    }
    for (const s of line) out.push({ ...s, bbox: [s.bbox[0], top, s.bbox[2], bottom] });
  }
  return out;
}

const overlap = (a0: number, a1: number, b0: number, b1: number) =>
  Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));

/**
 * Two lines of a reading that read the same ink: tesseract sometimes segments a tightly set
 * line (a row of monospaced e-mail addresses) twice, as two lines over each other, and each
 * gives words of the other's letters (`mohammad .r.haghighat` over `hammad.r .haghighat}@intel`).
 * Of the words where the two lines overlap, those of the line read with the lower confidence
 * there go.
 */
function dropDoubleReadings(lines: readonly OcrLine[]): OcrLine[] {
  const out = lines.map((l) => ({ ...l, words: [...l.words] }));
  // Each line's band, measured again only when the line loses words (pairs are many).
  const bands = new Map<OcrLine, [number, number]>();
  const band = (l: OcrLine) => {
    let b = bands.get(l);
    if (!b) {
      b = [Math.min(...l.words.map((w) => w.y0)), Math.max(...l.words.map((w) => w.y1))];
      bands.set(l, b);
    }
    return b;
  };
  const hits = (w: OcrWord, v: OcrWord) =>
    overlap(w.x0, w.x1, v.x0, v.x1) > Math.min(w.x1 - w.x0, v.x1 - v.x0) * 0.3 &&
    overlap(w.y0, w.y1, v.y0, v.y1) > Math.min(w.y1 - w.y0, v.y1 - v.y0) * 0.5;
  for (let i = 0; i < out.length; i++) {
    for (let j = i + 1; j < out.length; j++) {
      const a = out[i]!;
      const b = out[j]!;
      if (a.words.length === 0 || b.words.length === 0) continue;
      const [a0, a1] = band(a);
      const [b0, b1] = band(b);
      if (overlap(a0, a1, b0, b1) <= Math.min(a1 - a0, b1 - b0) * 0.5) continue;
      const inA = a.words.filter((w) => b.words.some((v) => hits(w, v)));
      const inB = b.words.filter((v) => a.words.some((w) => hits(w, v)));
      if (inA.length === 0) continue;
      const mean = (ws: OcrWord[]) => ws.reduce((t, w) => t + w.confidence, 0) / ws.length;
      const [loser, gone] = mean(inA) >= mean(inB) ? [b, inB] : [a, inA];
      loser.words = loser.words.filter((w) => !gone.includes(w));
      bands.delete(loser);
    }
  }
  return out.filter((l) => l.words.length > 0);
}

/** Symbols OCR reads a round bullet as (tesseract gives `¢`, `©`, `®`, `«`, `°`). */
const BULLET_LOOKALIKES = new Set(['•', '·', '¢', '©', '®', '«', '°', '●', '◦']);
/** A bullet is a dot: at most this share of its line's size, in width and height. */
const BULLET_SIZE = 0.6;

/**
 * A reading tidied of what a reader would not call text: words read across text running up
 * or down the page (a margin note standing on its side: `sjnolds` for `Sprouts`; a word of
 * three or more characters stands taller than it is wide only then) and rules read as
 * bars (`|`); a small round symbol opening a line is the list's bullet, `•`.
 */
export function tidyLines(lines: readonly OcrLine[]): OcrLine[] {
  const out: OcrLine[] = [];
  for (const line of dropDoubleReadings(lines)) {
    const words = line.words.filter((w) => {
      const width = w.x1 - w.x0;
      const height = w.y1 - w.y0;
      if ([...w.text].length >= 3 && height > width * 1.5) return false;
      return !/^[|¦]+$/u.test(w.text);
    });
    if (words.length === 0) continue;
    const first = words[0]!;
    const size = line.size ?? Math.max(...words.map((w) => w.y1 - w.y0));
    if (
      words.length > 1 &&
      BULLET_LOOKALIKES.has(first.text) &&
      first.x1 - first.x0 <= size * BULLET_SIZE &&
      first.y1 - first.y0 <= size * BULLET_SIZE
    )
      words[0] = { ...first, text: '•' };
    out.push({ ...line, words });
  }
  return out;
}

/** Runs at most `limit` tasks at once, first come first served. */
export class Gate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

/** Bounds of an engine's row height against the tallest word of its line. */
const MAX_ROW_OVER_WORDS = 1.4;
const MIN_ROW_OF_WORDS = 0.75;

/** OCR words to spans in PDF points (top-left origin), one span per word. */
export function wordsToSpans(lines: readonly OcrLine[], scale: number): Span[] {
  const spans: Span[] = [];
  for (const line of lines) {
    const tallest = Math.max(...line.words.map((w) => w.y1 - w.y0));
    // The engine's row height, within reason of what the words show (it can misjudge a
    // row of a few short words).
    const lineHeight =
      (line.size === undefined
        ? tallest
        : Math.min(tallest * MAX_ROW_OVER_WORDS, Math.max(tallest * MIN_ROW_OF_WORDS, line.size))) /
      scale;
    for (const w of line.words) {
      spans.push({
        text: w.text.normalize('NFC'),
        bbox: [w.x0 / scale, w.y0 / scale, w.x1 / scale, w.y1 / scale],
        font: 'ocr',
        size: Math.round(lineHeight * 100) / 100,
        ...(line.bold ? { bold: true } : {}),
      });
    }
  }
  return spans;
}
