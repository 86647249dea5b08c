import type { ChunkTranslation, LayoutDocument } from '@docat/contracts';

/** The chunk's layout with each translated block's text replaced by its translation. */
export function applyTranslation(doc: LayoutDocument, translation: ChunkTranslation | null): LayoutDocument {
  if (!translation) return doc;
  const texts = new Map(translation.blocks.map((b) => [b.id, b.text]));
  return {
    ...doc,
    pages: doc.pages.map((page) => ({
      ...page,
      blocks: page.blocks.map((block) => {
        const text = texts.get(block.id);
        return text === undefined ? block : { ...block, text };
      }),
    })),
  };
}
