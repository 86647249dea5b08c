import {
  layoutDocumentSchema,
  type ChunkTranslation,
  type LayoutDocument,
  type TranslationScope,
} from '@docat/contracts';
import { applyTranslations, mergeChunks, type BlockTranslation } from '@docat/pdf/extract';
import { translatableIds } from '../policy.js';

export interface ChunkResult {
  layout: LayoutDocument;
  translation: Pick<ChunkTranslation, 'blocks'>;
}

export interface AssembledDocument {
  /** Every chunk's pages in order, after the document-level pass. */
  source: LayoutDocument;
  /** The same document with the translations the scope keeps applied. */
  translated: LayoutDocument;
  /** The block translations applied, in reading order: what the json output lists. */
  applied: ChunkTranslation['blocks'];
}

/**
 * Step 4a, assemble: merge the chunks, run the document-level pass, and apply the
 * translations the scope keeps on the whole document. Running heads and reference
 * lists are only known here, so a chunk's translation of one is dropped when the
 * job's scope excludes it: the outputs never depend on how pages were cut into chunks.
 */
export function assembleDocument(
  chunks: readonly ChunkResult[],
  scope: TranslationScope,
): AssembledDocument {
  // Parsed, so the layout has the schema's shape and key order whether it came from the
  // sandbox (the CLI) or from storage (a job): the json output is the same either way.
  const source = mergeChunks(chunks.map((c) => layoutDocumentSchema.parse(c.layout)));
  const keep = translatableIds(source, scope);
  const byId = new Map<string, ChunkTranslation['blocks'][number]>();
  for (const chunk of chunks)
    for (const block of chunk.translation.blocks) if (keep.has(block.id)) byId.set(block.id, block);
  const applied: ChunkTranslation['blocks'] = [];
  const translations = new Map<string, BlockTranslation>();
  for (const page of source.pages) {
    for (const block of [...page.blocks].sort((a, b) => a.order - b.order)) {
      const t = byId.get(block.id);
      if (!t) continue;
      applied.push(t);
      translations.set(block.id, {
        text: t.text,
        ...(t.marks ? { marks: t.marks } : {}),
        ...(t.cells
          ? {
              cells: new Map(t.cells.map((c) => [c.index, c.text])),
              cellMarks: new Map(t.cells.filter((c) => c.marks).map((c) => [c.index, c.marks!])),
            }
          : {}),
      });
    }
  }
  return { source, translated: applyTranslations(source, translations), applied };
}
