import { createCanvas, loadImage } from '@napi-rs/canvas';
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

/** Stroke width over size for each line (undefined where a line has no ink). */
async function strokeRatios(
  lines: readonly OcrLine[],
  png: Buffer,
): Promise<(number | undefined)[]> {
  const image = await loadImage(png);
  return lines.map((line) => {
    let ink = 0;
    let runs = 0;
    // The words' row, one region: the gaps between words hold no ink.
    const x0 = Math.max(0, Math.floor(Math.min(...line.words.map((w) => w.x0))));
    const y0 = Math.max(0, Math.floor(Math.min(...line.words.map((w) => w.y0))));
    const width = Math.min(image.width, Math.ceil(Math.max(...line.words.map((w) => w.x1)))) - x0;
    const height = Math.min(image.height, Math.ceil(Math.max(...line.words.map((w) => w.y1)))) - y0;
    if (width > 0 && height > 0) {
      const canvas = createCanvas(width, height);
      const context = canvas.getContext('2d');
      context.fillStyle = '#ffffff';
      context.fillRect(0, 0, width, height);
      context.drawImage(image, x0, y0, width, height, 0, 0, width, height);
      const { data } = context.getImageData(0, 0, width, height);
      for (let y = 0; y < height; y++) {
        let inside = false;
        for (let x = 0; x < width; x++) {
          const o = (y * width + x) * 4;
          const dark = data[o]! * 0.299 + data[o + 1]! * 0.587 + data[o + 2]! * 0.114 <= INK;
          if (dark) {
            ink++;
            if (!inside) runs++;
          }
          inside = dark;
        }
      }
    }
    const size = line.size ?? Math.max(...line.words.map((w) => w.y1 - w.y0));
    return runs > 0 && size > 0 ? ink / runs / size : undefined;
  });
}

/**
 * Mark as bold (`OcrLine.bold`) the lines of `png`'s reading whose strokes are much wider
 * than the page's usual line. A page with too few lines to tell its usual weight is left
 * as it is.
 */
export async function markBoldLines(lines: OcrLine[], png: Buffer): Promise<void> {
  if (lines.filter((l) => l.words.length >= MIN_WORDS).length < MIN_LINES) return;
  const ratios = await strokeRatios(lines, png);
  const usual = ratios
    .filter((r, i): r is number => r !== undefined && lines[i]!.words.length >= MIN_WORDS)
    .sort((a, b) => a - b);
  const median = usual[Math.floor(usual.length / 2)]!;
  lines.forEach((line, i) => {
    const r = ratios[i];
    if (r !== undefined && r > median * BOLD_OVER_MEDIAN) line.bold = true;
  });
}
