import type { Block, BlockType, InlineMark } from '@docat/contracts';
import {
  closingToken,
  isKeptRun,
  isUntranslatable,
  placeholderToken,
  protectText,
  restorePlaceholders,
  TOKEN_PATTERN,
} from './placeholders.js';
import { splitSentences } from './sentences.js';
import type { InlineStyle, OrdinalSetting, Placeholder, Segment } from './types.js';

/** Block types whose text is never translated: artwork, mathematics, program code. */
const SKIPPED_TYPES: ReadonlySet<BlockType> = new Set(['figure', 'formula', 'code']);

export interface SegmentOptions {
  /** Translate the labels inside figures (a figure's `cells`); they are kept by default. */
  translateFigureText?: boolean;
  /** Blocks whose text is at most this long stay one segment (headings, captions, cells). */
  shortBlockChars?: number;
  /**
   * Longer sentences are cut at a clause or word boundary. Engines cap request sizes,
   * and batches pack tightly only when no segment is a large share of a batch.
   */
  maxSegmentChars?: number;
}

/** Cut text longer than `max` at the last clause break, else word break, in its second half. */
export function cutLong(text: string, max: number): { text: string; lead: string }[] {
  const out: { text: string; lead: string }[] = [];
  let rest = text;
  let lead = '';
  while (rest.length > max) {
    const window = rest.slice(0, max + 1);
    const floor = Math.floor(max / 2);
    let cut = -1;
    let gap = 0;
    for (const pattern of [/[;:,，、；：]\s?/gu, /\s/gu]) {
      for (const m of window.matchAll(pattern)) {
        if (m.index >= floor && m.index + m[0].length <= max) {
          const after = m.index + m[0].length;
          const spaced = /\s$/u.test(m[0]);
          cut = spaced ? after - 1 : after;
          gap = spaced ? 1 : 0;
        }
      }
      if (cut > 0) break;
    }
    if (cut <= 0) {
      cut = max;
      gap = 0;
    }
    out.push({ text: rest.slice(0, cut).trimEnd(), lead });
    lead = rest.slice(cut, cut + gap) || '';
    rest = rest.slice(cut + gap);
  }
  if (rest.trim() !== '') out.push({ text: rest, lead });
  return out;
}

export type SegmentableBlock = Pick<Block, 'id' | 'type' | 'text'> &
  Partial<Pick<Block, 'cells' | 'marks'>>;

/** White space runs collapsed to one space and the ends trimmed, with where each source offset went. */
function collapse(text: string): { text: string; at: number[] } {
  let out = '';
  const at: number[] = [];
  let space = false;
  for (let i = 0; i < text.length; i++) {
    at.push(out.length);
    const c = text[i]!;
    if (/\s/u.test(c)) {
      space = out.length > 0;
      continue;
    }
    if (space) out += ' ';
    space = false;
    at[i] = out.length;
    out += c;
  }
  at.push(out.length);
  return { text: out, at };
}

const nonSpace = (s: string): number => s.replace(/\s+/gu, '').length;

/**
 * The style of the part of math run `m` (offsets into `whole`) between `from` and `to`:
 * its `parts` cut to the characters there (they count non-white-space characters).
 */
function mathPiece(
  m: { start: number; end: number; style: InlineStyle },
  from: number,
  to: number,
  whole: string,
): InlineStyle {
  if (m.start >= from && m.end <= to) return m.style;
  const skip = nonSpace(whole.slice(m.start, Math.max(m.start, from)));
  const take = nonSpace(whole.slice(Math.max(m.start, from), Math.min(m.end, to)));
  const parts: NonNullable<InlineStyle['parts']> = [];
  let at = 0;
  for (const p of m.style.parts ?? []) {
    const a = Math.max(at, skip);
    const b = Math.min(at + p.length, skip + take);
    if (b > a) parts.push({ ...p, length: b - a });
    at += p.length;
  }
  const { parts: _whole, ...rest } = m.style;
  return parts.length > 0 ? { ...rest, parts } : rest;
}

/** Runs kept as they are, in one placeholder: inline mathematics and scripts in prose. */
const kept = (style: InlineStyle): boolean => style.math === true || style.script === true;

function styleOf(mark: InlineMark): InlineStyle {
  const { start: _start, end: _end, ...style } = mark;
  return style;
}

/**
 * The piece of text with a `⟦n⟧…⟦/n⟧` pair around each marked run inside it, and a
 * single `⟦n⟧` in place of each math or script run, kept as it is (numbered from 0; a run crossing
 * the piece's edge is cut there), and their placeholders.
 */
function wrapStyles(
  text: string,
  from: number,
  marks: readonly StyledRun[],
  whole: string,
): { text: string; placeholders: Placeholder[] } {
  const inside = marks
    .map((m) => ({
      start: Math.max(m.start, from) - from,
      end: Math.min(m.end, from + text.length) - from,
      style: m.style.parts ? mathPiece(m, from, from + text.length, whole) : m.style,
      ...(m.ordinal ? { ordinal: m.ordinal } : {}),
    }))
    .filter((m) => m.end > m.start && text.slice(m.start, m.end).trim() !== '')
    // Marks do not overlap.
    .sort((a, b) => a.start - b.start);
  if (inside.length === 0) return { text, placeholders: [] };
  const placeholders: Placeholder[] = inside.map((m, i) => {
    const original = text.slice(m.start, m.end);
    return kept(m.style)
      ? {
          token: placeholderToken(i),
          kind: m.style.math ? 'formula' : 'script',
          original,
          restore: original,
          // How the run is set travels with it (`restorePlaceholders` marks it again).
          ...(m.style.parts ? { style: m.style } : {}),
        }
      : {
          token: placeholderToken(i),
          kind: 'style',
          original,
          restore: '',
          style: m.style,
          ...(m.ordinal ? { ordinal: m.ordinal } : {}),
        };
  });
  let out = '';
  let at = 0;
  inside.forEach((m, i) => {
    out += text.slice(at, m.start);
    out += kept(m.style)
      ? placeholderToken(i)
      : placeholderToken(i) + text.slice(m.start, m.end) + closingToken(i);
    at = m.end;
  });
  return { text: out + text.slice(at), placeholders };
}

/** A bullet glyph before a list item's (or any block's) words. */
const BULLET_MARKER = /^[•◦▪▫●○■□‣⁃∙·*–—\-➢❖✓►▸▶](?= \S)/u;
const ROMAN = String.raw`(?:x?(?:ix|iv|v?i{1,3}|v)|xx?)`;
/**
 * A list item's number or letter: `1.`, `2)`, `(3)`, `1.2.`, `a.`, `b)`, `(c)`, `A)`,
 * `(B)`, `iv.`, `(ii)`, `IV.`. Only in list items, where the layout saw the marker.
 */
const NUMBERED_MARKER = new RegExp(
  String.raw`^(?:\(?\d{1,3}(?:\.\d{1,3})*[.)]|\(\d{1,3}\)|\(?(?:[a-z]|${ROMAN})[.)]|\((?:[a-z]|${ROMAN})\)|\(?(?:[A-Z]|${ROMAN.toUpperCase()})\)|${ROMAN.toUpperCase()}\.)(?= \S)`,
  'u',
);

/** A heading's section number: `1.`, `2)`, `2.1`, `2.1.` (not a lone `1`: `3 Ways to…`). */
const SECTION_NUMBER = /^\d{1,3}(?:(?:\.\d{1,3})*[.)]|(?:\.\d{1,3})+)(?= \S)/u;

/**
 * The list marker a block's (collapsed) text starts with, kept out of the text an engine
 * sees: a bullet glyph in any block or cell, a number or letter in a list item, a
 * section number in a heading.
 */
export function listMarker(text: string, type?: BlockType): string | undefined {
  const glyph = BULLET_MARKER.exec(text);
  if (glyph) return glyph[0];
  if (type === 'heading') return SECTION_NUMBER.exec(text)?.[0];
  if (type !== 'list_item') return undefined;
  return NUMBERED_MARKER.exec(text)?.[0];
}

/**
 * Whether `suffix` ends the ordinal of `n`: English `1st`, `2nd`, `3rd`, `4th`, `11th`;
 * French `1er`, `1re`, `2e`, `2d`, `2nde`; Spanish, Italian and Portuguese `1º`, `2ª`, `3o`,
 * `4a`; Dutch `1ste`, `2de`, `3e`.
 */
function isOrdinalSuffix(n: number, suffix: string): boolean {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const english =
    n % 10 === 1 && !teen
      ? 'st'
      : n % 10 === 2 && !teen
        ? 'nd'
        : n % 10 === 3 && !teen
          ? 'rd'
          : 'th';
  if (/^(?:st|nd|rd|th)$/u.test(suffix)) return suffix === english;
  if (/^(?:er|re|ère)$/u.test(suffix)) return n === 1;
  return /^(?:e|ème|d|nde?|o|a|os|as|º|ª|ste|de)$/u.test(suffix);
}

interface StyledRun {
  start: number;
  end: number;
  style: InlineStyle;
  /** A raised ordinal (`21st`): the number and its suffix, as one pair the engine translates. */
  ordinal?: OrdinalSetting;
}

/**
 * A raised ordinal suffix right after the digits of its number (`21` + raised `st`) is
 * one run over both: the engine translates the ordinal as a word in its sentence (German
 * `21.`, French `21e`), and the translation's suffix letters are raised as the source's
 * were (`styledText`). A suffix with a style of its own (a colour, a link) stays a script.
 */
function joinOrdinals(runs: StyledRun[], text: string): StyledRun[] {
  return runs.map((m, i) => {
    const { parts, script, ...rest } = m.style;
    if (!script || !parts || parts.length !== 1 || Object.keys(rest).length > 0) return m;
    const part = parts[0]!;
    if (part.rise <= 0 || /^[\p{L}\p{N}]/u.test(text.slice(m.end))) return m;
    const digits = /(?<![\p{L}\p{N}.,])\p{Nd}{1,3}$/u.exec(text.slice(0, m.start));
    if (!digits || !isOrdinalSuffix(Number(digits[0]), text.slice(m.start, m.end))) return m;
    const start = m.start - digits[0].length;
    const before = runs[i - 1];
    if (before && before.end > start) return m;
    return { start, end: m.end, style: {}, ordinal: { scale: part.scale, rise: part.rise } };
  });
}

function segmentText(
  blockId: string,
  type: BlockType | undefined,
  text: string,
  limits: Required<Omit<SegmentOptions, 'translateFigureText'>>,
  cell: number | undefined,
  out: Segment[],
  marks: readonly InlineMark[] = [],
): void {
  const { text: normalized, at } = collapse(text);
  if (normalized === '') return;
  const styled = joinOrdinals(
    marks
      .map((m) => ({
        start: at[Math.min(m.start, text.length)]!,
        end: at[Math.min(m.end, text.length)]!,
        style: styleOf(m),
      }))
      .filter((m) => m.end > m.start),
    normalized,
  );
  // A list item's bullet or number is a segment of its own that no engine sees: it comes
  // back as it was, in front of the item's translation, whatever the engine does.
  const marker = listMarker(normalized, type);
  const bodyFrom = marker === undefined ? 0 : marker.length + 1;
  const body = normalized.slice(bodyFrom);
  const scripts = styled.filter((m) => m.style.script === true && !m.style.math);
  // A footnote mark after a sentence's full stop ends that sentence, as a closing quote does.
  const inScript = (i: number): boolean =>
    scripts.some((m) => m.start <= bodyFrom + i && bodyFrom + i < m.end);
  const sentences =
    body.length <= limits.shortBlockChars
      ? [{ text: body, lead: '' }]
      : splitSentences(body, inScript);
  const pieces: Piece[] =
    marker === undefined ? [] : [{ from: 0, text: marker, lead: '', kept: true }];
  let cursor = marker === undefined ? 0 : marker.length;
  for (const sentence of sentences) {
    for (const p of cutLong(sentence.text, limits.maxSegmentChars)) {
      // Pieces are consecutive stretches of the collapsed text, apart only by white space.
      const found = normalized.indexOf(p.text, cursor);
      const from = found >= 0 ? found : cursor;
      const lead = normalized.slice(cursor, from);
      cursor = from + p.text.length;
      pieces.push(...edgeScripts({ from, text: p.text, lead }, scripts));
    }
  }
  pieces.forEach((piece, index) => {
    const wrapped = wrapStyles(piece.text, piece.from, styled, normalized);
    const { text: protectedText, placeholders } = piece.kept
      ? { text: wrapped.text, placeholders: [] }
      : protectText(wrapped.text, wrapped.placeholders.length);
    const numbered = inOrder(protectedText, [...wrapped.placeholders, ...placeholders]);
    out.push({
      id: cell === undefined ? `${blockId}:${index}` : `${blockId}:c${cell}:${index}`,
      blockId,
      ...(cell === undefined ? {} : { cell }),
      text: numbered.text,
      protected: numbered.placeholders,
      lead: index === 0 ? '' : piece.lead,
      untranslatable: piece.kept === true || isUntranslatable(numbered.text),
    });
  });
}

/** A stretch of a block's collapsed text that becomes one segment. */
interface Piece {
  /** Offset of `text` in the collapsed text. */
  from: number;
  text: string;
  lead: string;
  /** Sent to no engine: a list marker, a footnote mark before or after a sentence. */
  kept?: boolean;
}

/**
 * A piece with the scripts at its edges split off as pieces of their own: the footnote
 * mark after a sentence's punctuation (`…a double.¹`), the number a footnote starts with. The engine
 * sees the sentence alone, so the same sentence with another mark, or none, is the same
 * segment (one translation memory entry); the mark comes back where it was.
 */
function edgeScripts(piece: Piece, scripts: readonly StyledRun[]): Piece[] {
  const end = piece.from + piece.text.length;
  const first = scripts.find((m) => m.start === piece.from && m.end < end);
  // A mark after the sentence's punctuation, or apart from its last word; not a script
  // glued to the word it belongs to (`CO₂`, `m²`), which the engine may move with it.
  const last = scripts.find(
    (m) =>
      m.end === end &&
      m.start > piece.from &&
      /[\s.!?…:;,)\]"'”’»。！？]$/u.test(piece.text.slice(0, m.start - piece.from)),
  );
  const out: Piece[] = [];
  let from = piece.from;
  let to = end;
  const slice = (a: number, b: number): string => piece.text.slice(a - piece.from, b - piece.from);
  if (first) {
    out.push({ from, text: slice(from, first.end), lead: piece.lead, kept: true });
    from = first.end;
  }
  if (last && last.start > from) to = last.start;
  const inner = slice(from, to);
  const text = inner.trim();
  if (text === '' || !/\p{L}/u.test(text)) return [piece];
  const lead = inner.slice(0, inner.length - inner.trimStart().length);
  out.push({ from: from + lead.length, text, lead: first ? lead : piece.lead });
  if (to < end) {
    const gap = inner.length - inner.trimEnd().length;
    out.push({ from: to, text: slice(to, end), lead: inner.slice(inner.length - gap), kept: true });
  }
  return out;
}

/**
 * The segment's tokens numbered in the order they appear in its text (a style pair by its
 * opening token), whatever made them: the same sentence is the same text, and the same
 * translation memory key, wherever its marks, links and numbers came from.
 */
function inOrder(
  text: string,
  placeholders: readonly Placeholder[],
): { text: string; placeholders: Placeholder[] } {
  const order = new Map<number, number>();
  for (const m of text.matchAll(TOKEN_PATTERN)) {
    const n = Number(m[2]);
    if (!order.has(n)) order.set(n, order.size);
  }
  const index = (token: string): number => Number(token.slice(1, -1));
  for (const p of placeholders)
    if (!order.has(index(p.token))) order.set(index(p.token), order.size);
  if ([...order].every(([from, to]) => from === to))
    return { text, placeholders: [...placeholders] };
  return {
    text: text.replace(TOKEN_PATTERN, (_, slash: string, n: string) => {
      const to = order.get(Number(n))!;
      return slash ? closingToken(to) : placeholderToken(to);
    }),
    placeholders: placeholders
      .map((p) => ({ ...p, token: placeholderToken(order.get(index(p.token))!) }))
      .sort((a, b) => index(a.token) - index(b.token)),
  };
}

/**
 * Turn layout blocks into segments: one per sentence, or one per block when the block
 * is short. Table blocks are segmented per cell. Whitespace runs collapse to one space,
 * as line breaks inside a block are layout, not content.
 */
export function segmentBlocks(
  blocks: readonly SegmentableBlock[],
  options: SegmentOptions = {},
): Segment[] {
  const limits: Required<Omit<SegmentOptions, 'translateFigureText'>> = {
    shortBlockChars: options.shortBlockChars ?? 160,
    maxSegmentChars: options.maxSegmentChars ?? 1000,
  };
  const out: Segment[] = [];
  for (const block of blocks) {
    if (block.type === 'figure' && options.translateFigureText && block.cells) {
      block.cells.forEach((cell, index) =>
        segmentText(block.id, undefined, cell.text, limits, index, out, cell.marks),
      );
      continue;
    }
    if (SKIPPED_TYPES.has(block.type)) continue;
    if (block.type === 'table' && block.cells && block.cells.length > 0) {
      block.cells.forEach((cell, index) =>
        segmentText(block.id, undefined, cell.text, limits, index, out, cell.marks),
      );
      continue;
    }
    segmentText(block.id, block.type, block.text, limits, undefined, out, block.marks);
  }
  return out;
}

export interface TranslatedBlock {
  blockId: string;
  text: string;
  /** Inline styles of `text` (offsets into it), when the source had any that survived. */
  marks?: InlineMark[];
  /** Translated cell texts by cell index, for table blocks. */
  cells?: Map<number, string>;
  /** Inline styles of translated cells, by cell index. */
  cellMarks?: Map<number, InlineMark[]>;
}

/**
 * The raised suffix of a translated ordinal (`21st`, `1er`, `2.º`): the letters after its
 * number, at `start` in `run`, set as the source's suffix. None when the translation
 * writes the ordinal without letters (`21.`) or as anything but a number and its suffix.
 */
function raisedSuffix(
  run: string,
  setting: OrdinalSetting,
): (Omit<InlineMark, 'end'> & { start: number }) | undefined {
  const m = /^(\p{N}+\.?)([\p{Ll}ºª]{1,4})$/u.exec(run);
  if (!m) return undefined;
  return {
    start: m[1]!.length,
    script: true,
    parts: [{ length: m[2]!.length, scale: setting.scale, rise: setting.rise }],
  };
}

/**
 * Plain text and marks of a final segment text: each well-formed `⟦n⟧…⟦/n⟧` pair of a
 * style placeholder (or around a restored math run) becomes a mark over the text
 * between; any other token is dropped.
 */
export function styledText(
  text: string,
  placeholders: readonly Placeholder[],
): { text: string; marks: InlineMark[] } {
  const styles = new Map(
    placeholders
      .filter((p) => p.kind === 'style' || isKeptRun(p))
      .map((p) => [Number(p.token.slice(1, -1)), p.style ?? {}]),
  );
  const ordinals = new Map(
    placeholders
      .filter((p) => p.kind === 'style' && p.ordinal)
      .map((p) => [Number(p.token.slice(1, -1)), p.ordinal!]),
  );
  const marks: InlineMark[] = [];
  const open = new Map<number, number>();
  let out = '';
  let at = 0;
  for (const m of text.matchAll(TOKEN_PATTERN)) {
    out += text.slice(at, m.index);
    at = m.index + m[0].length;
    const n = Number(m[2]);
    const style = styles.get(n);
    if (!style) continue;
    if (!m[1]) open.set(n, out.length);
    else if (open.has(n)) {
      const start = open.get(n)!;
      open.delete(n);
      const ordinal = ordinals.get(n);
      if (ordinal) {
        const suffix = raisedSuffix(out.slice(start), ordinal);
        if (suffix) marks.push({ ...suffix, start: start + suffix.start, end: out.length });
      } else if (out.length > start) marks.push({ start, end: out.length, ...style });
    }
  }
  out += text.slice(at);
  marks.sort((a, b) => a.start - b.start);
  return { text: out, marks };
}

function shifted(marks: readonly InlineMark[], by: number): InlineMark[] {
  return marks.map((m) => ({ ...m, start: m.start + by, end: m.end + by }));
}

/**
 * Map final segment texts (placeholders already restored, style pairs still in place,
 * as the translator returns them) back onto blocks; style pairs become the block's
 * marks. A segment with no translation keeps its source text.
 */
export function reassemble(
  segments: readonly Segment[],
  translations: ReadonlyMap<string, string>,
): Map<string, TranslatedBlock> {
  const blocks = new Map<string, TranslatedBlock>();
  for (const segment of segments) {
    const final =
      translations.get(segment.id) ?? restorePlaceholders(segment.text, segment.protected);
    const { text, marks } = styledText(final, segment.protected);
    let block = blocks.get(segment.blockId);
    if (!block) {
      block = { blockId: segment.blockId, text: '' };
      blocks.set(segment.blockId, block);
    }
    if (segment.cell === undefined) {
      const offset = block.text === '' ? 0 : block.text.length + segment.lead.length;
      block.text += (block.text === '' ? '' : segment.lead) + text;
      if (marks.length > 0) block.marks = [...(block.marks ?? []), ...shifted(marks, offset)];
    } else {
      block.cells ??= new Map();
      const previous = block.cells.get(segment.cell);
      const offset = previous === undefined ? 0 : previous.length + segment.lead.length;
      block.cells.set(segment.cell, previous === undefined ? text : previous + segment.lead + text);
      if (marks.length > 0) {
        block.cellMarks ??= new Map();
        block.cellMarks.set(segment.cell, [
          ...(block.cellMarks.get(segment.cell) ?? []),
          ...shifted(marks, offset),
        ]);
      }
    }
  }
  return blocks;
}
