import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { PDFDocument, StandardFonts, degrees } from 'pdf-lib';
import { corpusFile } from '@docat/testing';

/**
 * Test helpers (tests only): the abstract of the corpus scan of tracemonkey page 1, cut out
 * as a page of its own. It holds a dozen lines, so a test reads real scanned text with either
 * OCR engine in a tenth of a full page's time.
 */

/** The abstract's region on tracemonkey page 1, in PDF points from the bottom-left corner. */
const CROP = { x: 48, y: 792 - 494, width: 264, height: 494 - 330 };

export const words = (s: string): string[] =>
  s
    .toLowerCase()
    .replace(/-\n/g, '')
    .match(/[\p{L}\p{N}]+/gu) ?? [];

/** Share of `reference`'s words found in `ours` (each word counted as often as it occurs). */
export function recall(reference: readonly string[], ours: readonly string[]): number {
  const bag = new Map<string, number>();
  for (const w of ours) bag.set(w, (bag.get(w) ?? 0) + 1);
  let hit = 0;
  for (const w of reference) {
    const n = bag.get(w) ?? 0;
    if (n > 0) {
      hit++;
      bag.set(w, n - 1);
    }
  }
  return hit / reference.length;
}

/** The abstract of tracemonkey page 1 as poppler reads it from the original. */
export function abstractWords(): string[] {
  const reference = execFileSync(
    'pdftotext',
    ['-f', '1', '-l', '1', corpusFile('tracemonkey.pdf'), '-'],
    { encoding: 'utf8' },
  );
  const start = reference.indexOf('Dynamic languages such as JavaScript are more difficult');
  const end = reference.indexOf('Categories and Subject Descriptors');
  if (start < 0 || end < start) throw new Error('The abstract was not found in tracemonkey.pdf');
  return words(reference.slice(start, end));
}

export interface CropOptions {
  /** Pages, each the same cut-out. */
  pages?: number;
  /** Draw these lines as invisible text over the scan (an earlier OCR's text layer). */
  invisibleText?: string;
  /**
   * Draw the scan turned by this many degrees (counter-clockwise) about the cut-out's
   * centre, as a page fed askew into a scanner.
   */
  skew?: number;
}

/**
 * A PDF whose pages are the abstract cut out of the corpus scan: the 200 dpi image is drawn
 * whole and the page shows only its abstract, as a scanner's crop would.
 */
export async function abstractCrop(opts: CropOptions = {}): Promise<Uint8Array> {
  const out = await PDFDocument.create();
  const [scan] = await out.embedPdf(readFileSync(corpusFile('scanned-tracemonkey-p1-2.pdf')), [0]);
  const font = await out.embedFont(StandardFonts.Helvetica);
  for (let i = 0; i < (opts.pages ?? 1); i++) {
    const page = out.addPage([CROP.width, CROP.height]);
    // The scan's point under the cut-out's centre stays there when it is turned.
    const t = ((opts.skew ?? 0) * Math.PI) / 180;
    const [cx, cy] = [CROP.x + CROP.width / 2, CROP.y + CROP.height / 2];
    page.drawPage(scan!, {
      x: CROP.width / 2 - (cx * Math.cos(t) - cy * Math.sin(t)),
      y: CROP.height / 2 - (cx * Math.sin(t) + cy * Math.cos(t)),
      width: 612,
      height: 792,
      ...(t ? { rotate: degrees(opts.skew!) } : {}),
    });
    if (opts.invisibleText) {
      for (let line = 0; line < 10; line++)
        page.drawText(opts.invisibleText, {
          x: 8,
          y: CROP.height - 20 - line * 14,
          size: 9,
          font,
          opacity: 0,
        });
    }
  }
  return out.save();
}
