import type { BlockType, LayoutDocument } from '@docat/contracts';

const UNTRANSLATED: ReadonlySet<BlockType> = new Set(['code', 'formula', 'figure', 'form_field']);

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
        // Listings, formulas, artwork and form values stay as they are in every output.
        // A figure's labels are translated only cell by cell (`translateFigureText`).
        const labels = block.type === 'figure' && translated?.cells !== undefined;
        if (!translated || (UNTRANSLATED.has(block.type) && !labels)) return block;
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
