import type { LayoutDocument } from '@docat/contracts';

/** A block's translated text, and its table cells' by cell index. */
export interface BlockTranslation {
  text: string;
  cells?: ReadonlyMap<number, string>;
}

/**
 * A copy of the layout with every translated block's text (and table cells) replaced.
 * Positions, types and reading order stay those of the source, so every writer (md,
 * txt, json) works on the translated document unchanged. The source is not modified.
 */
export function applyTranslations(doc: LayoutDocument, blocks: ReadonlyMap<string, BlockTranslation>): LayoutDocument {
  return {
    ...doc,
    pages: doc.pages.map((page) => ({
      ...page,
      blocks: page.blocks.map((block) => {
        const translated = blocks.get(block.id);
        // Which blocks are translated is the pipeline's policy (`@docat/pipeline`): this applies what it is given.
        if (!translated) return block;
        return {
          ...block,
          text: translated.cells && block.cells ? block.text : translated.text,
          ...(block.cells
            ? { cells: block.cells.map((cell, i) => ({ ...cell, text: translated.cells?.get(i) ?? cell.text })) }
            : {}),
        };
      }),
    })),
  };
}
