import type { BlockType, InlineMark, LayoutDocument } from '@docat/contracts';

const UNTRANSLATED: ReadonlySet<BlockType> = new Set(['code', 'formula', 'figure', 'form_field']);

/** A block's translated text, and its table cells' by cell index. */
export interface BlockTranslation {
  text: string;
  /** Inline styles of the translated text; the source's marks do not carry over. */
  marks?: readonly InlineMark[];
  cells?: ReadonlyMap<number, string>;
  cellMarks?: ReadonlyMap<number, readonly InlineMark[]>;
}

function withMarks<T extends { marks?: InlineMark[] }>(
  item: T,
  marks: readonly InlineMark[] | undefined,
): T {
  const { marks: _old, ...rest } = item;
  return (marks && marks.length > 0 ? { ...rest, marks: [...marks] } : rest) as T;
}

/**
 * A copy of the layout with every translated block's text (and table cells) replaced.
 * Positions, types and reading order stay those of the source, so every writer (md,
 * txt, json) works on the translated document unchanged. The source is not modified.
 */
export function applyTranslations(
  doc: LayoutDocument,
  blocks: ReadonlyMap<string, BlockTranslation>,
): LayoutDocument {
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
        const byCell = translated.cells && block.cells;
        return {
          ...(byCell ? block : withMarks(block, translated.marks)),
          text: byCell ? block.text : translated.text,
          ...(block.cells
            ? {
                cells: block.cells.map((cell, i) => {
                  const text = translated.cells?.get(i);
                  return text === undefined
                    ? cell
                    : { ...withMarks(cell, translated.cellMarks?.get(i)), text };
                }),
              }
            : {}),
        };
      }),
    })),
  };
}
