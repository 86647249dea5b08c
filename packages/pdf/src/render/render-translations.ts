import type { InlineMark, LayoutDocument } from '@docat/contracts';
import { cellKey, type RenderText } from './render-translated.js';

function entry(text: string, marks: readonly InlineMark[] | undefined): RenderText {
  return marks && marks.length > 0 ? { text, marks } : text;
}

/**
 * The translations map `renderTranslatedPdf` takes, read from a source layout and its
 * translated copy (`applyTranslations` keeps block ids and cell order): a table whose
 * cells were translated one by one gives one entry per changed cell (`cellKey`), any
 * other block one entry with its text when that text changed.
 */
export function renderTranslationsOf(
  source: LayoutDocument,
  translated: LayoutDocument,
): Map<string, RenderText> {
  const out = new Map<string, RenderText>();
  const byId = new Map(translated.pages.flatMap((p) => p.blocks.map((b) => [b.id, b] as const)));
  for (const page of source.pages) {
    for (const block of page.blocks) {
      const other = byId.get(block.id);
      if (!other) continue;
      const cellsChanged =
        block.cells && other.cells
          ? block.cells.some(
              (c, i) => other.cells![i] !== undefined && other.cells![i]!.text !== c.text,
            )
          : false;
      if (cellsChanged && other.text === block.text) {
        block.cells!.forEach((cell, i) => {
          const text = other.cells![i]?.text;
          if (text !== undefined && text !== cell.text)
            out.set(cellKey(block.id, i), entry(text, other.cells![i]?.marks));
        });
      } else if (other.text !== block.text) {
        out.set(block.id, entry(other.text, other.marks));
      }
    }
  }
  return out;
}
