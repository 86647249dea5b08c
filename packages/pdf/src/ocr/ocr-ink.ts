import { greyOfRgba, isPgm, readPgm, type GreyImage } from './grey-image.js';
import type { OcrLine } from './ocr-adapter.js';

/**
 * Bold on a scan, from the ink: OCR engines say which words they read, not in which weight,
 * and a heading set bold at the size of its text (`Introduction`, `Abstract`) otherwise runs
 * into the paragraph under it. A line's stroke width is its ink divided by the runs of ink
 * met along its pixel rows (the mean width of a stem), against the line's size: regular
 * text measures about 0.10 of its size, bold about 0.16.
 */

/** A line whose strokes are this much wider than the page's median line is bold. */
const BOLD_OVER_MEDIAN = 1.35;
/** Lines of at least this many words make the page's median... */
const MIN_WORDS = 3;
/** ...and at least this many such lines are needed to judge. */
const MIN_LINES = 5;
/** A pixel at most this grey (0-255) is ink. */
const INK = 128;

/** The grey pixels of an image file: a PGM as it is, another format (PNG) decoded. */
export async function greyOf(file: Buffer): Promise<GreyImage> {
  if (isPgm(file)) return readPgm(file);
  const { createCanvas, loadImage } = await import('@napi-rs/canvas');
  const image = await loadImage(file);
  const canvas = createCanvas(image.width, image.height);
  const context = canvas.getContext('2d');
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, image.width, image.height);
  context.drawImage(image, 0, 0);
  return greyOfRgba(canvas.data(), image.width, image.height);
}

/** Stroke width over size for each line (undefined where a line has no ink). */
function strokeRatios(lines: readonly OcrLine[], image: GreyImage): (number | undefined)[] {
  const { data } = image;
  return lines.map((line) => {
    let ink = 0;
    let runs = 0;
    // The words' row, one region: the gaps between words hold no ink.
    const x0 = Math.max(0, Math.floor(Math.min(...line.words.map((w) => w.x0))));
    const y0 = Math.max(0, Math.floor(Math.min(...line.words.map((w) => w.y0))));
    const x1 = Math.min(image.width, Math.ceil(Math.max(...line.words.map((w) => w.x1))));
    const y1 = Math.min(image.height, Math.ceil(Math.max(...line.words.map((w) => w.y1))));
    for (let y = y0; y < y1; y++) {
      let inside = false;
      for (let x = x0, o = y * image.width + x0; x < x1; x++, o++) {
        const dark = data[o]! <= INK;
        if (dark) {
          ink++;
          if (!inside) runs++;
        }
        inside = dark;
      }
    }
    const size = line.size ?? Math.max(...line.words.map((w) => w.y1 - w.y0));
    return runs > 0 && size > 0 ? ink / runs / size : undefined;
  });
}

/**
 * Mark as bold (`OcrLine.bold`) the lines of `image`'s reading (a PGM or PNG file) whose strokes are much wider
 * than the page's usual line. A page with too few lines to tell its usual weight is left
 * as it is.
 */
export async function markBoldLines(lines: OcrLine[], image: Buffer): Promise<void> {
  if (lines.filter((l) => l.words.length >= MIN_WORDS).length < MIN_LINES) return;
  const ratios = strokeRatios(lines, await greyOf(image));
  const usual = ratios
    .filter((r, i): r is number => r !== undefined && lines[i]!.words.length >= MIN_WORDS)
    .sort((a, b) => a - b);
  const median = usual[Math.floor(usual.length / 2)]!;
  lines.forEach((line, i) => {
    const r = ratios[i];
    if (r !== undefined && r > median * BOLD_OVER_MEDIAN) line.bold = true;
  });
}
