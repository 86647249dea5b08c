import type { Block } from '@docat/contracts';
import { isUntranslatable, protectText, restorePlaceholders } from './placeholders.js';
import { splitSentences } from './sentences.js';
import type { Segment } from './types.js';

export interface SegmentOptions {
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

export type SegmentableBlock = Pick<Block, 'id' | 'type' | 'text'> & Partial<Pick<Block, 'cells'>>;

function segmentText(blockId: string, text: string, limits: Required<SegmentOptions>, cell: number | undefined, out: Segment[]): void {
  const normalized = text.replace(/\s+/gu, ' ').trim();
  if (normalized === '') return;
  const sentences = normalized.length <= limits.shortBlockChars ? [{ text: normalized, lead: '' }] : splitSentences(normalized);
  const pieces = sentences.flatMap((s) => cutLong(s.text, limits.maxSegmentChars).map((p, i) => (i === 0 ? { text: p.text, lead: s.lead } : p)));
  pieces.forEach((piece, index) => {
    const { text: protectedText, placeholders } = protectText(piece.text);
    out.push({
      id: cell === undefined ? `${blockId}:${index}` : `${blockId}:c${cell}:${index}`,
      blockId,
      ...(cell === undefined ? {} : { cell }),
      text: protectedText,
      protected: placeholders,
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
export function segmentBlocks(blocks: readonly SegmentableBlock[], options: SegmentOptions = {}): Segment[] {
  const limits: Required<SegmentOptions> = { shortBlockChars: options.shortBlockChars ?? 160, maxSegmentChars: options.maxSegmentChars ?? 1000 };
  const out: Segment[] = [];
  for (const block of blocks) {
    if (block.type === 'table' && block.cells && block.cells.length > 0) {
      block.cells.forEach((cell, index) => segmentText(block.id, cell.text, limits, index, out));
      continue;
    }
    segmentText(block.id, block.text, limits, undefined, out);
  }
  return out;
}

export interface TranslatedBlock {
  blockId: string;
  text: string;
  /** Translated cell texts by cell index, for table blocks. */
  cells?: Map<number, string>;
}

/**
 * Map final segment texts (placeholders already restored, as the translator returns
 * them) back onto blocks. A segment with no translation keeps its source text.
 */
export function reassemble(segments: readonly Segment[], translations: ReadonlyMap<string, string>): Map<string, TranslatedBlock> {
  const blocks = new Map<string, TranslatedBlock>();
  for (const segment of segments) {
    const text = translations.get(segment.id) ?? restorePlaceholders(segment.text, segment.protected);
    let block = blocks.get(segment.blockId);
    if (!block) {
      block = { blockId: segment.blockId, text: '' };
      blocks.set(segment.blockId, block);
    }
    if (segment.cell === undefined) {
      block.text += (block.text === '' ? '' : segment.lead) + text;
    } else {
      block.cells ??= new Map();
      const previous = block.cells.get(segment.cell);
      block.cells.set(segment.cell, previous === undefined ? text : previous + segment.lead + text);
    }
  }
  return blocks;
}
