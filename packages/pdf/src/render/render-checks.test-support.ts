import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BBox, LayoutDocument } from '@docat/contracts';
import { interpretPage, openPdf } from '../content/index.js';

/** Checks on rendered PDFs with poppler's tools (tests only: the product never runs them). */

function withPdf<T>(pdf: Uint8Array, work: (path: string, dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'docat-render-'));
  try {
    const path = join(dir, 'in.pdf');
    writeFileSync(path, pdf);
    return work(path, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(tool: string, args: string[]): string {
  return execFileSync(tool, args, {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function pageText(pdf: Uint8Array, page: number): string {
  return withPdf(pdf, (p) => run('pdftotext', ['-f', String(page), '-l', String(page), p, '-']));
}

/**
 * Text pdftotext extracts from each region of a page (points, top-left origin): the
 * reading order poppler finds inside one block's box, which a neighbouring column or a
 * run-in heading cannot interleave with.
 */
export function regionTexts(pdf: Uint8Array, page: number, regions: BBox[]): string[] {
  return withPdf(pdf, (p) =>
    regions.map((r) => {
      const [x, y, w, h] = [r[0], r[1], r[2] - r[0], r[3] - r[1]].map((v) => String(Math.round(v)));
      return run('pdftotext', [
        '-f',
        String(page),
        '-l',
        String(page),
        '-x',
        x!,
        '-y',
        y!,
        '-W',
        w!,
        '-H',
        h!,
        p,
        '-',
      ]);
    }),
  );
}

export interface Word {
  text: string;
  box: BBox;
}

export function pageWords(
  pdf: Uint8Array,
  page: number,
): { width: number; height: number; words: Word[] } {
  const html = withPdf(pdf, (p) =>
    run('pdftotext', ['-bbox', '-f', String(page), '-l', String(page), p, '-']),
  );
  const size = /<page width="([\d.]+)" height="([\d.]+)"/u.exec(html);
  const words: Word[] = [];
  for (const m of html.matchAll(
    /<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">([^<]*)<\/word>/gu,
  )) {
    const text = m[5]!
      .replace(/&lt;/gu, '<')
      .replace(/&gt;/gu, '>')
      .replace(/&quot;/gu, '"')
      .replace(/&amp;/gu, '&');
    words.push({ text, box: [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])] });
  }
  return { width: Number(size?.[1] ?? 0), height: Number(size?.[2] ?? 0), words };
}

/** Every font pdffonts lists, and whether it is embedded. */
export function fonts(pdf: Uint8Array): { name: string; embedded: boolean }[] {
  const out = withPdf(pdf, (p) => run('pdffonts', [p]));
  return out
    .split('\n')
    .slice(2)
    .filter((l) => l.trim().length > 0)
    .map((l) => {
      const cols = l.trim().split(/\s+/u);
      // name type [type2] encoding emb sub uni object ID: read emb from the right.
      return { name: cols[0]!, embedded: cols[cols.length - 5] === 'yes' };
    });
}

export function imageCount(pdf: Uint8Array, first?: number, last?: number): number {
  const range = first ? ['-f', String(first), '-l', String(last ?? first)] : [];
  const out = withPdf(pdf, (p) => run('pdfimages', ['-list', ...range, p]));
  return out
    .split('\n')
    .slice(2)
    .filter((l) => l.trim().length > 0).length;
}

export interface Gray {
  width: number;
  height: number;
  pixels: Uint8Array;
}

export function renderGray(pdf: Uint8Array, page: number, dpi: number): Gray {
  return withPdf(pdf, (p, dir) => {
    execFileSync(
      'pdftoppm',
      ['-gray', '-r', String(dpi), '-f', String(page), '-l', String(page), p, join(dir, 'r')],
      { stdio: 'ignore' },
    );
    const file = readdirSync(dir).find((f) => f.endsWith('.pgm'))!;
    const bytes = readFileSync(join(dir, file));
    const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/u.exec(bytes.subarray(0, 64).toString('latin1'))!;
    const width = Number(header[1]);
    const height = Number(header[2]);
    return {
      width,
      height,
      pixels: new Uint8Array(bytes.subarray(header[0].length, header[0].length + width * height)),
    };
  });
}

/**
 * Share of the original's ink pixels (darker than 200) outside `masks` (points,
 * top-left origin, dilated by `dilate`) that are still ink of about the same tone.
 */
export function unchangedInkShare(
  original: Gray,
  output: Gray,
  dpi: number,
  masks: BBox[],
  dilate: number,
): { share: number; ink: number } {
  const s = dpi / 72;
  const masked = new Uint8Array(original.width * original.height);
  for (const m of masks) {
    const x0 = Math.max(0, Math.floor((m[0] - dilate) * s));
    const y0 = Math.max(0, Math.floor((m[1] - dilate) * s));
    const x1 = Math.min(original.width - 1, Math.ceil((m[2] + dilate) * s));
    const y1 = Math.min(original.height - 1, Math.ceil((m[3] + dilate) * s));
    for (let y = y0; y <= y1; y++)
      masked.fill(1, y * original.width + x0, y * original.width + x1 + 1);
  }
  let ink = 0;
  let same = 0;
  for (let i = 0; i < original.pixels.length; i++) {
    if (masked[i] || original.pixels[i]! >= 200) continue;
    ink++;
    if (Math.abs(original.pixels[i]! - (output.pixels[i] ?? 255)) <= 48) same++;
  }
  return { share: ink === 0 ? 1 : same / ink, ink };
}

/** Text without white space and bidi controls (pdftotext marks embedding levels), NFC. */
export const squash = (s: string): string =>
  s.replace(/[\s\u200e\u200f\u202a-\u202e\u2066-\u2069\u00ad-]+/gu, '').normalize('NFC');

const LETTER = /[\p{L}\p{M}]/u;

/**
 * Whether pdftotext's `extracted` text holds `expected`, compared as `squash`ed text.
 * Right-to-left: pdftotext gives logical order but moves the neutral characters between
 * runs of mixed direction (`∗+,` comes out as `∗ ,+`, a number's `.` lands beside it),
 * so there the letters must come out in exactly the expected order, and every other
 * character of `expected` must be found as often in `extracted` (a bag: its place among
 * the neutrals is poppler's choice, not the renderer's).
 */
export function sameText(extracted: string, expected: string, rtl: boolean): boolean {
  const got = squash(extracted);
  const want = squash(expected);
  if (!rtl) return got.includes(want);
  const letters = (s: string): string => [...s].filter((c) => LETTER.test(c)).join('');
  if (!letters(got).includes(letters(want))) return false;
  const have = new Map<string, number>();
  for (const c of got) if (!LETTER.test(c)) have.set(c, (have.get(c) ?? 0) + 1);
  for (const c of want) {
    if (LETTER.test(c)) continue;
    const n = have.get(c) ?? 0;
    if (n === 0) return false;
    have.set(c, n - 1);
  }
  return true;
}

/**
 * Whether every letter of `expected` is in `extracted` as often: for a block whose box the
 * layout overlaps with another translated block's, where the two texts interleave in
 * any extraction order and only the characters can be compared.
 */
export function sameLetters(extracted: string, expected: string): boolean {
  const have = new Map<string, number>();
  for (const c of squash(extracted)) if (LETTER.test(c)) have.set(c, (have.get(c) ?? 0) + 1);
  for (const c of squash(expected)) {
    if (!LETTER.test(c)) continue;
    const n = have.get(c) ?? 0;
    if (n === 0) return false;
    have.set(c, n - 1);
  }
  return true;
}

export interface GlyphAudit {
  /** Glyphs drawn with our fonts. */
  glyphs: number;
  /** Drawn glyphs with code 0 (.notdef). */
  notdef: number;
  /**
   * Drawn glyphs ToUnicode maps to nothing: only the extra pieces a shaper splits a
   * letter into (Arabic dots drawn apart), whose letter is mapped on its first piece.
   */
  unmapped: number;
  /** Unmapped glyphs that advance the pen: text would be lost, not just a piece of a letter. */
  unmappedAdvancing: number;
  /** Text of our runs as ToUnicode gives it, page by page. */
  text: string[];
}

/**
 * Reads the output back with the content engine: every glyph drawn with one of the
 * renderer's fonts (resource names `DcF<n>`) must have a non-zero code and a
 * ToUnicode mapping.
 */
export async function auditGlyphs(pdf: Uint8Array, pages: number[]): Promise<GlyphAudit> {
  const file = await openPdf(pdf);
  const audit: GlyphAudit = { glyphs: 0, notdef: 0, unmapped: 0, unmappedAdvancing: 0, text: [] };
  for (const page of pages) {
    const content = interpretPage(file, page - 1);
    let text = '';
    for (const run of content.runs) {
      if (!/^DcF\d+/u.test(run.font)) continue;
      for (const g of run.glyphs) {
        audit.glyphs++;
        if (g.code === 0) audit.notdef++;
        if (!g.unicode) audit.unmapped++;
        if (!g.unicode && Math.abs(g.advance) > 0.01) audit.unmappedAdvancing++;
      }
      text += run.unicode;
    }
    audit.text.push(text);
  }
  return audit;
}

/** Blocks of a layout page, by id. */
export function blocksOf(
  layout: LayoutDocument,
  page: number,
): LayoutDocument['pages'][number]['blocks'] {
  return layout.pages.find((p) => p.number === page)?.blocks ?? [];
}
