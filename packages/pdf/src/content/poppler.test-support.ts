import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Test helpers around poppler's command-line tools (tests only: the product never runs them). */

export interface GrayImage {
  width: number;
  height: number;
  pixels: Uint8Array;
}

export function withTempDir<T>(work: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'docat-content-'));
  try {
    return work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function parsePgm(bytes: Buffer): GrayImage {
  // P5 <w> <h> <max>\n<data>
  const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(bytes.subarray(0, 64).toString('latin1'));
  if (!header) throw new Error('not a binary PGM');
  const width = Number(header[1]);
  const height = Number(header[2]);
  const pixels = new Uint8Array(
    bytes.subarray(header[0].length, header[0].length + width * height),
  );
  return { width, height, pixels };
}

/** Renders pages (1-based, inclusive) to grayscale images with pdftoppm. */
export function renderGray(
  pdf: Uint8Array,
  dpi: number,
  first?: number,
  last?: number,
): GrayImage[] {
  return withTempDir((dir) => {
    const input = join(dir, 'in.pdf');
    writeFileSync(input, pdf);
    const range = first ? ['-f', String(first), '-l', String(last ?? first)] : [];
    execFileSync('pdftoppm', ['-gray', '-r', String(dpi), ...range, input, join(dir, 'p')], {
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    return readdirSync(dir)
      .filter((f) => f.endsWith('.pgm'))
      .sort()
      .map((f) => parsePgm(readFileSync(join(dir, f))));
  });
}

export function pdftotext(pdf: Uint8Array, args: string[] = []): string {
  return withTempDir((dir) => {
    const input = join(dir, 'in.pdf');
    writeFileSync(input, pdf);
    return execFileSync('pdftotext', [...args, input, '-'], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  });
}

export interface BBoxWord {
  page: number;
  text: string;
  /** Top-left origin, as pdftotext writes it. */
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
}

export interface BBoxBlock {
  page: number;
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
  words: BBoxWord[];
}

const unescapeHtml = (s: string): string =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

/** Words and blocks of `pdftotext -bbox-layout`, pages numbered from 0. */
export function pdftotextBBox(
  pdf: Uint8Array,
  args: string[] = [],
): { words: BBoxWord[]; blocks: BBoxBlock[] } {
  const html = pdftotext(pdf, ['-bbox-layout', ...args]);
  const words: BBoxWord[] = [];
  const blocks: BBoxBlock[] = [];
  let page = -1;
  let block: BBoxBlock | null = null;
  const re =
    /<page |<block xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">|<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">([^<]*)<\/word>/g;
  for (const m of html.matchAll(re)) {
    if (m[0] === '<page ') {
      page++;
    } else if (m[1] !== undefined) {
      block = { page, xMin: +m[1], yMin: +m[2]!, xMax: +m[3]!, yMax: +m[4]!, words: [] };
      blocks.push(block);
    } else {
      const word = {
        page,
        text: unescapeHtml(m[9]!),
        xMin: +m[5]!,
        yMin: +m[6]!,
        xMax: +m[7]!,
        yMax: +m[8]!,
      };
      words.push(word);
      block?.words.push(word);
    }
  }
  return { words, blocks };
}
