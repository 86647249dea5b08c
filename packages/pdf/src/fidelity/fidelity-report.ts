import {
  EXPECTED_UNTRANSLATED,
  FIDELITY_LIST_LIMIT,
  FIDELITY_REPORT_VERSION,
  FIDELITY_SHRINK_THRESHOLD,
  type BBox,
  type Block,
  type BlockFit,
  type FidelityReport,
  type FidelitySummary,
  type FontUse,
  type InlineMark,
  type LayoutDocument,
  type Overlap,
  type PageFidelity,
  type UntranslatedReason,
  type UntranslatedSegment,
} from '@docat/contracts';
import type { BlockPlacement } from '../render/render-translated.js';
import type { ReadBackPage, ReadWord } from './read-back.js';
import { textOf, type RenderText } from '../render/render-translated.js';
import { frameBoxToPage } from '../layout/rotated-text.js';

/**
 * The form a word is compared in, or null when it is not a prose word: fewer than two
 * letters (numbers, symbols, single letters of formulas), or an address (URL, e-mail,
 * path) that no translation changes. Letters are counted as written: a symbol that
 * compatibility decomposition spells with letters (`™` is `TM`, `℃` is `°C`) is no word,
 * while a ligature (`ﬁ`) is a letter already.
 */
export function proseToken(raw: string): string | null {
  let letters = 0;
  for (const _ of raw.matchAll(/\p{L}/gu)) if (++letters >= 2) break;
  if (letters < 2) return null;
  const t = raw.normalize('NFKC').replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
  if (/[@/\\]|^www\./iu.test(t)) return null;
  return t;
}

/**
 * The form two words are matched in: their letters in code point order. Glyphs are read
 * back in drawing order, which for right-to-left text is the reverse of the layout's
 * logical order; a word and its mirror are the same word here.
 */
function matchKey(token: string): string {
  return [...token].sort().join('');
}

export function proseTokens(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\s+/u)) {
    const t = proseToken(raw);
    if (t) out.push(t);
  }
  return out;
}

export interface FidelityInput {
  /** The plan: the source layout the job rendered from. */
  layout: LayoutDocument;
  /** Block id (or `cellKey`) to translated text, as the renderer was given it. */
  translations: ReadonlyMap<string, RenderText>;
  targetLanguage: string;
  /** What the renderer set; absent when no PDF was rendered. */
  placements?: readonly BlockPlacement[];
  /** The translated PDF read back (`readBack`); absent when no PDF was rendered. */
  output?: readonly ReadBackPage[];
  /** The output page (1-based) that holds a source page; by default the same number. */
  outputPageOf?: (page: number) => number | undefined;
}

/** Block types never translated, by policy, and the reason the report gives. */
const POLICY: Partial<Record<Block['type'], UntranslatedReason>> = {
  code: 'code',
  formula: 'formula',
  figure: 'figure_text',
  form_field: 'form_field',
};

/**
 * Policy exclusions left out of the coverage. Figure text is counted: labels are kept by
 * default, but prose a figure wrongly holds must show as left, not disappear.
 */
const NOT_COUNTED = new Set<Block['type']>(['code', 'formula', 'form_field']);
const RUNNING = new Set<Block['type']>(['header', 'footer']);

interface Segment {
  block: Block;
  cell?: number;
  box: BBox;
  text: string;
  /** The text whose words are counted: `text` without its math and script runs. */
  words: string;
  translation: string | undefined;
}

/** Marks of runs kept as they are by policy: inline mathematics and scripts in prose. */
const keptRun = (m: InlineMark): boolean => m.math === true || m.script === true;

/**
 * The text without its math and script runs (`marks` with `math` or `script`): they are
 * kept as they are by policy, like a formula block, so their letters (the `st` of a
 * raised ordinal) never count as words left.
 */
export function withoutMath(text: string, marks: readonly InlineMark[] | undefined): string {
  if (!marks?.some(keptRun)) return text;
  let out = text;
  for (const m of marks)
    if (keptRun(m)) out = out.slice(0, m.start) + ' '.repeat(m.end - m.start) + out.slice(m.end);
  return out;
}

function segmentsOf(block: Block, translations: ReadonlyMap<string, RenderText>): Segment[] {
  const whole = plainOf(translations.get(block.id));
  if (block.type === 'table' && block.cells && block.cells.length > 0 && whole === undefined) {
    return block.cells.map((cell, i) => ({
      block,
      cell: i,
      box: cell.bbox,
      text: cell.text,
      words: withoutMath(cell.text, cell.marks),
      translation: plainOf(translations.get(`${block.id}#${i}`)),
    }));
  }
  return [
    {
      block,
      box: block.bbox,
      text: block.text,
      words: withoutMath(block.text, block.marks),
      translation: whole,
    },
  ];
}

function centreIn(b: BBox, r: BBox, slack = 1): boolean {
  const x = (b[0] + b[2]) / 2;
  const y = (b[1] + b[3]) / 2;
  return x >= r[0] - slack && x <= r[2] + slack && y >= r[1] - slack && y <= r[3] + slack;
}

function intersection(a: BBox, b: BBox): BBox | null {
  const r: BBox = [
    Math.max(a[0], b[0]),
    Math.max(a[1], b[1]),
    Math.min(a[2], b[2]),
    Math.min(a[3], b[3]),
  ];
  return r[2] > r[0] && r[3] > r[1] ? r : null;
}

const area = (b: BBox): number => Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);

/** Share of a kept glyph that new text must cover before it counts as drawn over. */
const OVERLAP_SHARE = 0.3;
/** Covered glyphs of one block before the block is reported: one is often a rule or a dot. */
const OVERLAP_MIN_GLYPHS = 2;
/** Share of a line's area that must fall in a figure, outside the block's own box. */
const FIGURE_OVERLAP_SHARE = 0.15;

function excerpt(text: string): string {
  const t = text.replace(/\s+/gu, ' ').trim();
  return t.length > 80 ? `${t.slice(0, 79)}…` : t;
}

/**
 * The fidelity report: compares the plan (source layout, translations, placements) with
 * the translated PDF read back. A source word is left when the output still draws it, in
 * the source's own text, inside its block's box: words of the new text never count, so a
 * name the translation keeps is not mistaken for an untranslated word.
 */
export function buildFidelityReport(input: FidelityInput): FidelityReport {
  const { layout, translations, placements = [], output } = input;
  const outputPageOf = input.outputPageOf ?? ((p: number) => p);
  const placed = new Map(placements.map((p) => [`${p.blockId}#${p.cell ?? ''}`, p]));
  const pages: PageFidelity[] = [];
  const untranslated: UntranslatedSegment[] = [];
  const fit: BlockFit[] = [];
  const overlaps: Overlap[] = [];
  const missingGlyphs: FidelityReport['missingGlyphs'] = [];
  const fonts = new Map<string, { output: Set<string>; blocks: number }>();
  let notdef = 0;

  for (const page of layout.pages) {
    const out = output ? output[(outputPageOf(page.number) ?? 0) - 1] : undefined;
    const row: PageFidelity = {
      page: page.number,
      words: 0,
      left: 0,
      coverage: 1,
      untranslated: 0,
      shrunk: 0,
      overflowing: 0,
      overlaps: 0,
    };
    if (out) notdef += out.notdef;
    // Kept words not yet matched to a source word, so each answers for one word only.
    const unmatched = new Set<ReadWord>(out?.kept ?? []);
    const figures = page.blocks.filter((b) => b.type === 'figure').map((b) => b.bbox);

    for (const block of page.blocks) {
      for (const seg of segmentsOf(block, translations)) {
        const tokens = proseTokens(seg.words);
        const p = placed.get(`${block.id}#${seg.cell ?? ''}`);
        const changed =
          seg.translation !== undefined &&
          seg.translation.trim() !== '' &&
          seg.translation.trim() !== seg.text.trim();
        // Running heads are translated or not by a scope option: left as they are, they are policy.
        const policy =
          POLICY[block.type] ?? (RUNNING.has(block.type) && !changed ? 'header_footer' : undefined);
        let left = 0;
        if (!NOT_COUNTED.has(block.type) && policy !== 'header_footer') {
          if (output && page.scanned) {
            // The text is pixels: a set block was painted over with its background first.
            left = p ? 0 : tokens.length;
          } else if (output) {
            const wanted = new Map<string, number>();
            for (const t of tokens) wanted.set(matchKey(t), (wanted.get(matchKey(t)) ?? 0) + 1);
            for (const w of unmatched) {
              const t = proseToken(w.text);
              const key = t ? matchKey(t) : '';
              const n = wanted.get(key) ?? 0;
              if (n > 0 && centreIn(w.box, seg.box)) {
                wanted.set(key, n - 1);
                unmatched.delete(w);
                left++;
              }
            }
          } else if (!changed || policy) {
            left = tokens.length;
          }
          row.words += tokens.length;
          row.left += left;
        }
        let reason: UntranslatedReason | undefined = policy;
        if (!reason && tokens.length > 0) {
          if (!changed) reason = 'not_translated';
          else if (output && !p) reason = 'not_set';
          else if (left > 0 && left >= Math.max(1, tokens.length * 0.5)) reason = 'still_visible';
        }
        if (reason && tokens.length > 0) {
          if (!EXPECTED_UNTRANSLATED.has(reason)) row.untranslated++;
          untranslated.push({
            page: page.number,
            block: block.order,
            blockId: block.id,
            ...(seg.cell !== undefined ? { cell: seg.cell } : {}),
            box: seg.box,
            type: block.type,
            reason,
            expected: EXPECTED_UNTRANSLATED.has(reason),
            words: tokens.length,
            excerpt: excerpt(seg.text),
          });
        }
        if (!p) continue;
        const ref = {
          page: page.number,
          block: block.order,
          blockId: block.id,
          ...(p.cell !== undefined ? { cell: p.cell } : {}),
          box: p.box,
        };
        const scale = p.sourceSize > 0 ? p.size / p.sourceSize : 1;
        const shrunk = scale < FIDELITY_SHRINK_THRESHOLD - 1e-6;
        if (shrunk || p.overflow) {
          fit.push({
            ...ref,
            sourceSize: round(p.sourceSize),
            size: round(p.size),
            scale: round(scale, 3),
            shrunk,
            overflow: p.overflow,
          });
          if (shrunk) row.shrunk++;
          if (p.overflow) row.overflowing++;
        }
        if (p.missing !== '') missingGlyphs.push({ ...ref, chars: p.missing });
        if (p.sourceFont !== '') {
          let use = fonts.get(p.sourceFont);
          if (!use) fonts.set(p.sourceFont, (use = { output: new Set(), blocks: 0 }));
          for (const f of p.fonts) use.output.add(f);
          use.blocks++;
        }
        // On a scanned page the set boxes were painted over first: a text layer under them is hidden.
        if (out && !page.scanned) {
          const hit = overlapWith(p, out.keptInk);
          if (hit) {
            overlaps.push({ ...ref, with: 'text', region: hit.region, area: round(hit.area) });
            row.overlaps++;
          }
          const fig = figureOverlap(p, figures);
          if (fig) {
            overlaps.push({ ...ref, with: 'figure', region: fig.region, area: round(fig.area) });
            row.overlaps++;
          }
        }
      }
    }
    if (out) {
      for (const hit of crossings(placements.filter((p) => p.page === page.number))) {
        overlaps.push({
          page: page.number,
          block: hit.a.order,
          blockId: hit.a.blockId,
          ...(hit.a.cell !== undefined ? { cell: hit.a.cell } : {}),
          box: hit.a.box,
          with: 'translation',
          region: hit.region,
          area: round(hit.area),
        });
        row.overlaps++;
      }
    }
    row.coverage = row.words === 0 ? 1 : round(1 - row.left / row.words, 4);
    pages.push(row);
  }

  const words = pages.reduce((a, p) => a + p.words, 0);
  const wordsLeft = pages.reduce((a, p) => a + p.left, 0);
  const worst = pages
    .filter((p) => p.words > 0)
    .sort((a, b) => a.coverage - b.coverage || a.page - b.page)[0];
  const fontList: FontUse[] = [...fonts]
    .map(([source, u]) => ({ source, output: [...u.output].sort(), blocks: u.blocks }))
    .sort((a, b) => b.blocks - a.blocks || a.source.localeCompare(b.source));
  const summary: FidelitySummary = {
    coverage: words === 0 ? 1 : round(1 - wordsLeft / words, 4),
    words,
    wordsLeft,
    ...(worst ? { worstPage: { page: worst.page, coverage: worst.coverage } } : {}),
    untranslated: untranslated.filter((u) => !u.expected).length,
    excluded: untranslated.filter((u) => u.expected).length,
    shrunk: fit.filter((f) => f.shrunk).length,
    overflowing: fit.filter((f) => f.overflow).length,
    overlaps: overlaps.length,
    missingGlyphs: missingGlyphs.reduce((a, m) => a + [...m.chars].length, 0),
    notdef,
    substitutedFonts: fontList.filter((f) => f.output.some((o) => o !== f.source)).length,
  };
  const truncated: NonNullable<FidelityReport['truncated']> = [];
  const cap = <T>(name: (typeof truncated)[number], list: T[]): T[] => {
    if (list.length <= FIDELITY_LIST_LIMIT) return list;
    truncated.push(name);
    return list.slice(0, FIDELITY_LIST_LIMIT);
  };
  return {
    version: FIDELITY_REPORT_VERSION,
    targetLanguage: input.targetLanguage,
    measuredOn: output ? 'pdf' : 'text',
    summary,
    pages,
    // Faults first: a reader looks for what went wrong, not for the code blocks.
    untranslated: cap(
      'untranslated',
      [...untranslated].sort((a, b) => Number(a.expected) - Number(b.expected)),
    ),
    fit: cap('fit', fit),
    overlaps: cap('overlaps', overlaps),
    missingGlyphs: cap('missingGlyphs', missingGlyphs),
    fonts: fontList,
    ...(truncated.length > 0 ? { truncated } : {}),
  };
}

function round(v: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** Kept glyphs the set lines cover (each by at least OVERLAP_SHARE of its box), and the region they span. */
function overlapWith(
  p: BlockPlacement,
  ink: readonly BBox[],
): { region: BBox; area: number } | null {
  let region: BBox | null = null;
  let total = 0;
  let glyphs = 0;
  for (const g of ink) {
    const ga = area(g);
    if (ga <= 0) continue;
    for (const line of p.lines) {
      const hit = intersection(line, g);
      if (!hit || area(hit) < ga * OVERLAP_SHARE) continue;
      glyphs++;
      total += area(hit);
      region = region
        ? [
            Math.min(region[0], hit[0]),
            Math.min(region[1], hit[1]),
            Math.max(region[2], hit[2]),
            Math.max(region[3], hit[3]),
          ]
        : hit;
      break;
    }
  }
  return region && glyphs >= OVERLAP_MIN_GLYPHS
    ? { region: region.map((v) => round(v)) as BBox, area: total }
    : null;
}

/** Set lines that reach into a figure beyond the block's own box (a label inside a figure stays where it was). */
function figureOverlap(
  p: BlockPlacement,
  figures: readonly BBox[],
): { region: BBox; area: number } | null {
  let region: BBox | null = null;
  let total = 0;
  for (const line of p.lines) {
    const la = area(line);
    for (const f of figures) {
      const hit = intersection(line, f);
      if (!hit) continue;
      const own = intersection(hit, p.box);
      const outside = area(hit) - (own ? area(own) : 0);
      if (outside < la * FIGURE_OVERLAP_SHARE) continue;
      total += outside;
      region = region
        ? [
            Math.min(region[0], hit[0]),
            Math.min(region[1], hit[1]),
            Math.max(region[2], hit[2]),
            Math.max(region[3], hit[3]),
          ]
        : hit;
    }
  }
  return region ? { region: region.map((v) => round(v)) as BBox, area: total } : null;
}

/** Turned frames closer than this many degrees are one frame (a skewed scan's blocks share its skew). */
const SAME_FRAME_DEGREES = 0.5;

function boundsOf(lines: readonly BBox[]): BBox | null {
  return lines.reduce<BBox | null>(
    (b, l) =>
      b
        ? [Math.min(b[0], l[0]), Math.min(b[1], l[1]), Math.max(b[2], l[2]), Math.max(b[3], l[3])]
        : l,
    null,
  );
}

/**
 * The lines of two set blocks to compare: in their shared frame when both were set at the
 * same angle (their upright bounds on the page are larger than the tilted lines and would
 * cross where the lines do not), else on the page.
 */
function comparable(
  a: BlockPlacement,
  b: BlockPlacement,
): { a: readonly BBox[]; b: readonly BBox[]; frame: number | undefined } {
  if (a.frame && b.frame && Math.abs(a.frame.angle - b.frame.angle) < SAME_FRAME_DEGREES)
    return { a: a.frame.lines, b: b.frame.lines, frame: a.frame.angle };
  return { a: a.lines, b: b.lines, frame: undefined };
}

/**
 * Pairs of set blocks whose lines cross: a line of one covers at least a third of the
 * height of a line of the other over more than four points. Reported once, on the first
 * block of the pair in reading order, with the region on the page.
 */
function crossings(
  placed: readonly BlockPlacement[],
): { a: BlockPlacement; region: BBox; area: number }[] {
  const out: { a: BlockPlacement; region: BBox; area: number }[] = [];
  const sorted = [...placed].sort((x, y) => x.order - y.order || (x.cell ?? 0) - (y.cell ?? 0));
  const bounds = sorted.map((p) => boundsOf(p.lines));
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length; j++) {
      const bi = bounds[i];
      const bj = bounds[j];
      if (!bi || !bj || !intersection(bi, bj)) continue;
      const pair = comparable(sorted[i]!, sorted[j]!);
      let region: BBox | null = null;
      let total = 0;
      for (const a of pair.a) {
        for (const b of pair.b) {
          let hit = intersection(a, b);
          if (
            !hit ||
            hit[2] - hit[0] <= 4 ||
            hit[3] - hit[1] < Math.min(a[3] - a[1], b[3] - b[1]) / 3
          )
            continue;
          total += area(hit);
          if (pair.frame !== undefined) hit = frameBoxToPage(pair.frame, hit);
          region = region
            ? [
                Math.min(region[0], hit[0]),
                Math.min(region[1], hit[1]),
                Math.max(region[2], hit[2]),
                Math.max(region[3], hit[3]),
              ]
            : hit;
        }
      }
      if (region)
        out.push({ a: sorted[i]!, region: region.map((v) => round(v)) as BBox, area: total });
    }
  }
  return out;
}

function plainOf(t: RenderText | undefined): string | undefined {
  return t === undefined ? undefined : textOf(t);
}
