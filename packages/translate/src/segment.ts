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
import type { InlineStyle, Placeholder, Segment } from './types.js';

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
  marks: readonly { start: number; end: number; style: InlineStyle }[],
  whole: string,
): { text: string; placeholders: Placeholder[] } {
  const inside = marks
    .map((m) => ({
      start: Math.max(m.start, from) - from,
      end: Math.min(m.end, from + text.length) - from,
      style: m.style.parts ? mathPiece(m, from, from + text.length, whole) : m.style,
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
      : { token: placeholderToken(i), kind: 'style', original, restore: '', style: m.style };
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

function segmentText(
  blockId: string,
  text: string,
  limits: Required<Omit<SegmentOptions, 'translateFigureText'>>,
  cell: number | undefined,
  out: Segment[],
  marks: readonly InlineMark[] = [],
): void {
  const { text: normalized, at } = collapse(text);
  if (normalized === '') return;
  const styled = marks
    .map((m) => ({
      start: at[Math.min(m.start, text.length)]!,
      end: at[Math.min(m.end, text.length)]!,
      style: styleOf(m),
    }))
    .filter((m) => m.end > m.start);
  const sentences =
    normalized.length <= limits.shortBlockChars
      ? [{ text: normalized, lead: '' }]
      : splitSentences(normalized);
  const pieces = sentences.flatMap((s) =>
    cutLong(s.text, limits.maxSegmentChars).map((p, i) =>
      i === 0 ? { text: p.text, lead: s.lead } : p,
    ),
  );
  let cursor = 0;
  pieces.forEach((piece, index) => {
    // Pieces are consecutive stretches of the collapsed text, apart only by white space.
    const found = normalized.indexOf(piece.text, cursor);
    const from = found >= 0 ? found : cursor;
    cursor = from + piece.text.length;
    const wrapped = wrapStyles(piece.text, from, styled, normalized);
    const { text: protectedText, placeholders } = protectText(
      wrapped.text,
      wrapped.placeholders.length,
    );
    out.push({
      id: cell === undefined ? `${blockId}:${index}` : `${blockId}:c${cell}:${index}`,
      blockId,
      ...(cell === undefined ? {} : { cell }),
      text: protectedText,
      protected: [...wrapped.placeholders, ...placeholders],
      lead: index === 0 ? '' : piece.lead,
      untranslatable: isUntranslatable(protectedText),
    });
  });
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
        segmentText(block.id, cell.text, limits, index, out, cell.marks),
      );
      continue;
    }
    if (SKIPPED_TYPES.has(block.type)) continue;
    if (block.type === 'table' && block.cells && block.cells.length > 0) {
      block.cells.forEach((cell, index) =>
        segmentText(block.id, cell.text, limits, index, out, cell.marks),
      );
      continue;
    }
    segmentText(block.id, block.text, limits, undefined, out, block.marks);
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
      if (out.length > start) marks.push({ start, end: out.length, ...style });
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
