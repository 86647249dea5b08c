import type { Block, LayoutDocument } from '@docat/contracts';

export interface ReadingBlock {
  block: Block;
  /** The block's text, with the text of blocks continuing onto it already joined. */
  text: string;
}

/**
 * Body blocks of the whole document in reading order. A paragraph marked `continues`
 * absorbs the first paragraph of the next page, a hyphen-broken word rejoined.
 */
export function readingBlocks(doc: LayoutDocument): ReadingBlock[] {
  const out: ReadingBlock[] = [];
  let pending: ReadingBlock | undefined;
  for (const page of doc.pages) {
    const blocks = [...page.blocks]
      .sort((a, b) => a.order - b.order)
      .filter((b) => b.type !== 'header' && b.type !== 'footer');
    for (const block of blocks) {
      if (pending && block.type === 'paragraph') {
        const prev = pending.text;
        pending.text =
          /\p{Ll}[-‐]$/u.test(prev) && /^\p{Ll}/u.test(block.text)
            ? prev.slice(0, -1) + block.text
            : `${prev} ${block.text}`;
        pending = block.continues ? pending : undefined;
        continue;
      }
      pending = undefined;
      const entry = { block, text: block.text };
      out.push(entry);
      if (block.continues) pending = entry;
    }
  }
  return out;
}
