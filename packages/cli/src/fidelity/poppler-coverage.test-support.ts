import { execFileSync } from 'node:child_process';
import type { BBox, BlockType, LayoutDocument } from '@docat/contracts';

/**
 * Translation coverage measured with poppler, independently of Docat's own extraction:
 * the share of a source PDF's prose words that `pdftotext` still finds on the same page
 * of the translated PDF. Used by `npm run bench:fidelity` and its tests; the product never
 * runs poppler.
 */

export interface PopplerWord {
  text: string;
  /** Top-left origin, points, as pdftotext writes it. */
  box: BBox;
}

export interface PopplerLine {
  box: BBox;
  words: PopplerWord[];
}

export interface PopplerPage {
  width: number;
  height: number;
  lines: PopplerLine[];
}

const unescape = (s: string): string =>
  s
    .replace(/&lt;/gu, '<')
    .replace(/&gt;/gu, '>')
    .replace(/&quot;/gu, '"')
    .replace(/&#39;|&apos;/gu, "'")
    .replace(/&amp;/gu, '&');

const ATTR_BOX = /xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)"/u;

function boxOf(tag: string): BBox {
  const m = ATTR_BOX.exec(tag);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])] : [0, 0, 0, 0];
}

/** Pages, lines and words of `pdftotext -bbox-layout`, in poppler's reading order. */
export function popplerPages(pdfPath: string): PopplerPage[] {
  const html = execFileSync('pdftotext', ['-enc', 'UTF-8', '-bbox-layout', pdfPath, '-'], {
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const pages: PopplerPage[] = [];
  let line: PopplerLine | undefined;
  for (const m of html.matchAll(
    /<page width="([\d.]+)" height="([\d.]+)">|<line [^>]*>|<word [^>]*>([^<]*)<\/word>/gu,
  )) {
    if (m[1] !== undefined) {
      pages.push({ width: Number(m[1]), height: Number(m[2]), lines: [] });
      line = undefined;
    } else if (m[0].startsWith('<line')) {
      line = { box: boxOf(m[0]), words: [] };
      pages[pages.length - 1]?.lines.push(line);
    } else if (line) {
      line.words.push({ text: unescape(m[3] ?? ''), box: boxOf(m[0]) });
    }
  }
  return pages;
}

/** Prose words are the fidelity report's: the bench and the product count the same words. */
export { proseToken } from '@docat/pdf';
import { proseToken, proseTokens } from '@docat/pdf';

/** Share of the page height at its top and bottom where running heads and page numbers sit. */
const HEAD_BAND = 0.1;

/** A line's text with its numbers (page numbers, dates, chapter numbers) left out. */
function headKey(line: PopplerLine): string {
  return line.words
    .map((w) =>
      w.text
        .toLowerCase()
        .replace(/\d+/gu, '')
        .replace(/^[ivxlc]+$/u, ''),
    )
    .join(' ')
    .replace(/[\s\p{P}]+/gu, ' ')
    .trim();
}

function band(line: PopplerLine, page: PopplerPage): 'top' | 'bottom' | null {
  const cy = (line.box[1] + line.box[3]) / 2;
  if (cy < page.height * HEAD_BAND) return 'top';
  if (cy > page.height * (1 - HEAD_BAND)) return 'bottom';
  return null;
}

/**
 * Lines that are running heads: in the top or bottom band of the page, and either only a
 * number (a folio) or the same words (numbers aside) on at least two pages and on at
 * least three pages where the document has them. Found from poppler's text alone, so a
 * layout that calls body text a header does not shrink the measure.
 */
export function runningHeads(pages: PopplerPage[]): Set<PopplerLine> {
  const seen = new Map<string, Set<number>>();
  pages.forEach((page, i) => {
    for (const line of page.lines) {
      const where = band(line, page);
      if (!where) continue;
      const key = `${where}|${headKey(line)}`;
      let set = seen.get(key);
      if (!set) seen.set(key, (set = new Set()));
      set.add(i);
    }
  });
  const needed = Math.max(2, Math.min(3, pages.length));
  const heads = new Set<PopplerLine>();
  for (const page of pages) {
    for (const line of page.lines) {
      const where = band(line, page);
      if (!where) continue;
      const key = headKey(line);
      if (key === '' || (seen.get(`${where}|${key}`)?.size ?? 0) >= needed) heads.add(line);
    }
  }
  return heads;
}

export interface PageCoverage {
  /** 1-based page of the source. */
  page: number;
  /** Prose words of the source page counted (running heads, code and formulas excluded). */
  words: number;
  /** Of those, words still found on the translated page. */
  left: number;
  /** The words left, in reading order. */
  leftWords: string[];
  /** Left words that lie inside a figure block of the layout. */
  leftInFigures: number;
  /** Prose words inside code and formula blocks, not counted. */
  excluded: number;
  /** Words of labels inside figures, which the job kept as drawn (`translateFigureText` off), not counted. */
  figureLabels: number;
  /** Prose words of running heads, not counted. */
  heads: number;
  /** poppler reads the page's text as garbage (fonts without a usable Unicode map): nothing is counted. */
  unreadable: boolean;
}

export interface DocumentCoverage {
  pages: PageCoverage[];
  unreadablePages: number;
  words: number;
  left: number;
  leftInFigures: number;
  excluded: number;
  figureLabels: number;
  heads: number;
}

export interface CoverageOptions {
  /**
   * Whether the job kept the labels inside figures as drawn (the default:
   * `translateFigureText` off). Their words are then left out of the measure like code and
   * formulas. Only the figure's own label lines are, not everything inside its box: a
   * paragraph inside a figure's box still counts.
   */
  figureLabelsKept?: boolean;
}

const NOT_PROSE = new Set<BlockType>(['code', 'formula']);

/** A script's box is at most this share of the height of its line's words. */
const SCRIPT_HEIGHT = 0.85;
/** Its foot is this share of their height above theirs (a superscript) or below (a subscript). */
const SCRIPT_RISE = 0.15;
const SCRIPT_DROP = 0.1;
/** What a script holds: no word of three letters (the layout's rule for scripts in prose). */
const SCRIPT_TEXT = /^(?!.*\p{L}{3})\S{1,8}$/u;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

/**
 * The words of a line set as raised or lowered scripts: an exponent (`k` of O(nᵏ)), a
 * footnote mark, a citation number, a chemical index. poppler boxes a word from its
 * font's ascent to its descent, so a script's box is smaller than the line's words' and
 * its foot is off theirs. Found from poppler's boxes alone.
 */
export function scriptWords(line: PopplerLine): Set<PopplerWord> {
  const out = new Set<PopplerWord>();
  if (line.words.length < 2) return out;
  const height = median(line.words.map((w) => w.box[3] - w.box[1]));
  const body = line.words.filter((w) => w.box[3] - w.box[1] > height * SCRIPT_HEIGHT);
  if (!(height > 0) || body.length === 0) return out;
  const foot = median(body.map((w) => w.box[3]));
  for (const w of line.words) {
    const h = w.box[3] - w.box[1];
    if (h > height * SCRIPT_HEIGHT || !SCRIPT_TEXT.test(w.text)) continue;
    if (w.box[3] < foot - height * SCRIPT_RISE || w.box[3] > foot + height * SCRIPT_DROP)
      out.add(w);
  }
  return out;
}

/**
 * The word with the scripts that touch it after it (poppler reads `O(n` and a raised `k`
 * as two words; the layout's math run is `O(nk`), or undefined when none does.
 */
function withScripts(
  line: PopplerLine,
  i: number,
  scripts: ReadonlySet<PopplerWord>,
): string | undefined {
  const word = line.words[i]!;
  let text = word.text;
  let end = word.box[2];
  const touch = (word.box[3] - word.box[1]) * 0.2;
  for (let j = i + 1; j < line.words.length; j++) {
    const next = line.words[j]!;
    if (!scripts.has(next) || next.box[0] - end > touch) break;
    text += next.text;
    end = next.box[2];
  }
  return text === word.text ? undefined : text;
}

/** Share of a page's characters that are control or private-use codes above which its text is garbage. */
const GARBAGE_SHARE = 0.3;

function unreadable(page: PopplerPage): boolean {
  let chars = 0;
  let garbage = 0;
  for (const line of page.lines) {
    for (const w of line.words) {
      for (const ch of w.text) {
        chars++;
        if (/[\p{Cc}\p{Co}\p{Cn}\uFFFD]/u.test(ch)) garbage++;
      }
    }
  }
  return chars > 0 && garbage / chars > GARBAGE_SHARE;
}

function area(b: BBox): number {
  return Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
}

/** The type of the smallest layout block holding the point (a caption inside a figure is the caption). */
function blockTypeAt(
  blocks: readonly { type: BlockType; bbox: BBox }[],
  x: number,
  y: number,
): BlockType | undefined {
  let best: { type: BlockType; bbox: BBox } | undefined;
  for (const b of blocks) {
    if (x < b.bbox[0] - 1 || x > b.bbox[2] + 1 || y < b.bbox[1] - 1 || y > b.bbox[3] + 1) continue;
    if (!best || area(b.bbox) < area(best.bbox)) best = b;
  }
  return best?.type;
}

/** The boxes of the label lines of the page's figure blocks. */
function figureLabelBoxes(
  blocks: readonly { type: BlockType; lines: readonly { bbox: BBox }[] }[],
): BBox[] {
  return blocks.filter((b) => b.type === 'figure').flatMap((b) => b.lines.map((l) => l.bbox));
}

const inBox = (b: BBox, x: number, y: number): boolean =>
  x >= b[0] - 1 && x <= b[2] + 1 && y >= b[1] - 1 && y <= b[3] + 1;

/**
 * Coverage of `translated` against `source`, page by page: each prose word of a source
 * page is matched at most once against the words of the same translated page, outside the
 * places of the words not counted (code, formulas, running heads, and figure labels the job
 * kept: see `CoverageOptions`). The layout
 * (of the source) says which words are code or formulas, and which lie in figures.
 * `outputPageOf` maps a source page to its page in the translated PDF (a page-range job
 * holds only some pages); a source page with no output page keeps all its words.
 */
export function measureCoverage(
  source: PopplerPage[],
  translated: PopplerPage[],
  layout: LayoutDocument | undefined,
  outputPageOf: (page: number) => number | undefined = (p) => p,
  options: CoverageOptions = {},
): DocumentCoverage {
  const heads = runningHeads(source);
  const layoutPages = new Map((layout?.pages ?? []).map((p) => [p.number, p.blocks]));
  const result: DocumentCoverage = {
    pages: [],
    unreadablePages: 0,
    words: 0,
    left: 0,
    leftInFigures: 0,
    excluded: 0,
    figureLabels: 0,
    heads: 0,
  };
  source.forEach((page, i) => {
    const number = i + 1;
    const blocks = layoutPages.get(number) ?? [];
    const out = outputPageOf(number);
    const labels = options.figureLabelsKept ? figureLabelBoxes(blocks) : [];
    // What is not counted on the source is not matched on the output either: code left as
    // it is would otherwise answer for the same words translated in the prose around it.
    const uncounted = [
      ...blocks.filter((b) => NOT_PROSE.has(b.type)).map((b) => b.bbox),
      ...page.lines.filter((l) => heads.has(l)).map((l) => l.box),
      ...labels,
    ];
    // Words of inline mathematics and scripts (math and script runs of a block's text),
    // kept as they are by policy.
    const mathWords = new Set<string>();
    for (const b of blocks) {
      for (const [text, marks] of [
        [b.text, b.marks] as const,
        ...(b.cells ?? []).map((c) => [c.text, c.marks] as const),
      ]) {
        for (const m of marks ?? []) {
          if (!m.math && !m.script) continue;
          for (const t of proseTokens(text.slice(m.start, m.end))) mathWords.add(t);
        }
      }
    }
    const remaining = new Map<string, number>();
    const target = out !== undefined ? translated[out - 1] : undefined;
    for (const line of target?.lines ?? []) {
      for (const w of line.words) {
        const t = proseToken(w.text);
        const [x, y] = [(w.box[0] + w.box[2]) / 2, (w.box[1] + w.box[3]) / 2];
        if (t && !uncounted.some((b) => inBox(b, x, y)))
          remaining.set(t, (remaining.get(t) ?? 0) + 1);
      }
    }
    const cov: PageCoverage = {
      page: number,
      words: 0,
      left: 0,
      leftWords: [],
      leftInFigures: 0,
      excluded: 0,
      figureLabels: 0,
      heads: 0,
      unreadable: unreadable(page),
    };
    if (cov.unreadable) {
      result.unreadablePages++;
      result.pages.push(cov);
      return;
    }
    for (const line of page.lines) {
      const scripts = scriptWords(line);
      for (const [i, w] of line.words.entries()) {
        const t = proseToken(w.text);
        if (!t) continue;
        if (heads.has(line)) {
          cov.heads++;
          continue;
        }
        const [x, y] = [(w.box[0] + w.box[2]) / 2, (w.box[1] + w.box[3]) / 2];
        const type = blockTypeAt(blocks, x, y);
        // A script holds no prose word; a word is mathematics when it is with its scripts.
        const glued = scripts.size > 0 ? withScripts(line, i, scripts) : undefined;
        const math =
          mathWords.has(t) || (glued !== undefined && mathWords.has(proseToken(glued) ?? ''));
        if ((type && NOT_PROSE.has(type)) || math || scripts.has(w)) {
          cov.excluded++;
          continue;
        }
        if (type === 'figure' && labels.some((b) => inBox(b, x, y))) {
          cov.figureLabels++;
          continue;
        }
        cov.words++;
        const n = target ? (remaining.get(t) ?? 0) : 1;
        if (n > 0) {
          cov.left++;
          cov.leftWords.push(t);
          if (type === 'figure') cov.leftInFigures++;
          if (target) remaining.set(t, n - 1);
        }
      }
    }
    result.pages.push(cov);
    result.words += cov.words;
    result.left += cov.left;
    result.leftInFigures += cov.leftInFigures;
    result.excluded += cov.excluded;
    result.figureLabels += cov.figureLabels;
    result.heads += cov.heads;
  });
  return result;
}
