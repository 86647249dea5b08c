import type { BBox } from '@docat/contracts';
import { interpretPage, openPdf, type GlyphRun } from '../content/index.js';
import { mapBox, pageGeometry } from '../render/page-geometry.js';

/** A word read back from an output page, in layout coordinates. */
export interface ReadWord {
  text: string;
  box: BBox;
}

/** What an output page draws, split into the text the renderer set and the text the page kept. */
export interface ReadBackPage {
  /** Words of text kept from the source (visible text only). */
  kept: ReadWord[];
  /** Glyph boxes of the kept visible text: the ink new text must not cover. */
  keptInk: BBox[];
  /** Words of the text the renderer set. */
  added: ReadWord[];
  /**
   * Glyphs of set text drawn as `.notdef` (glyph 0). A glyph that maps to no character is
   * not one: shaped scripts draw such glyphs (parts of a ligature) inside an ActualText span.
   */
  notdef: number;
}

/** Font resources the renderer adds (`FontSet`): any other font on a page is the source's. */
const ADDED_FONT = /^DcF\d+$/u;
/** Text render mode 3 draws nothing (OCR layers, hidden text): it is no ink. */
const INVISIBLE = 3;

/**
 * Reads a rendered PDF back with the content engine: each page's glyphs, as words, in the
 * coordinates of the layout model, told apart by whether the renderer drew them.
 */
export async function readBack(bytes: Uint8Array): Promise<ReadBackPage[]> {
  const file = await openPdf(bytes);
  const pages: ReadBackPage[] = [];
  for (let i = 0; i < file.pageCount; i++) {
    const geometry = pageGeometry(file.doc.getPage(i));
    const content = interpretPage(file, i);
    const page: ReadBackPage = { kept: [], keptInk: [], added: [], notdef: 0 };
    const keptRuns: GlyphRun[] = [];
    const addedRuns: GlyphRun[] = [];
    for (const run of content.runs) {
      if (ADDED_FONT.test(run.font) && run.forms.length === 0) addedRuns.push(run);
      else if (run.renderMode !== INVISIBLE) keptRuns.push(run);
    }
    page.kept = wordsOf(keptRuns, (b) => mapBox(geometry.toDisplay, b));
    page.added = wordsOf(addedRuns, (b) => mapBox(geometry.toDisplay, b));
    for (const run of keptRuns)
      for (const g of run.glyphs)
        if (g.unicode.trim() !== '') page.keptInk.push(mapBox(geometry.toDisplay, g.bbox));
    for (const run of addedRuns) for (const g of run.glyphs) if (g.code === 0) page.notdef++;
    pages.push(page);
  }
  return pages;
}

/**
 * Glyphs joined into words in drawing order: a word ends at a space, a gap wider than a
 * fifth of the glyph height, or a jump to another line.
 */
export function wordsOf(runs: readonly GlyphRun[], toLayout: (b: BBox) => BBox): ReadWord[] {
  const words: ReadWord[] = [];
  let text = '';
  let box: BBox | null = null;
  let last: BBox | null = null;
  const flush = (): void => {
    if (box && text.trim() !== '') words.push({ text, box });
    text = '';
    box = null;
  };
  for (const run of runs) {
    for (const g of run.glyphs) {
      const b = toLayout(g.bbox);
      const height = Math.max(1, b[3] - b[1]);
      if (last) {
        const sameLine = Math.abs((b[1] + b[3]) / 2 - (last[1] + last[3]) / 2) < height * 0.5;
        const gap = b[0] - last[2];
        if (!sameLine || gap > height * 0.2 || gap < -height) flush();
      }
      last = b;
      for (const ch of g.unicode) {
        if (/\s/u.test(ch)) {
          flush();
          continue;
        }
        text += ch;
        box = box
          ? [
              Math.min(box[0], b[0]),
              Math.min(box[1], b[1]),
              Math.max(box[2], b[2]),
              Math.max(box[3], b[3]),
            ]
          : [...b];
      }
    }
  }
  flush();
  return words;
}
