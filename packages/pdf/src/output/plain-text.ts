import type { LayoutDocument } from '@docat/contracts';
import { readingBlocks } from './reading-order.js';

/** Plain text in reading order: one block per paragraph, table cells tab-separated by row. */
export function toPlainText(doc: LayoutDocument): string {
  const parts: string[] = [];
  for (const { block, text } of readingBlocks(doc)) {
    if (block.type === 'table' && block.cells?.length) {
      const rows = new Map<number, string[]>();
      for (const c of block.cells) rows.set(c.row, [...(rows.get(c.row) ?? []), c.text]);
      parts.push(
        [...rows.keys()]
          .sort((a, b) => a - b)
          .map((r) => rows.get(r)!.join('\t'))
          .join('\n'),
      );
    } else if (block.type === 'form_field' && block.field) {
      if (text) parts.push(`${block.field.name}: ${text}`);
    } else if (text) {
      parts.push(text);
    }
  }
  return parts.join('\n\n') + '\n';
}
