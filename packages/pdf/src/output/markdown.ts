import type { Block, LayoutDocument, TableCell } from '@docat/contracts';
import { readingBlocks } from './reading-order.js';

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();
}

function pipeTable(cells: readonly TableCell[]): string {
  const rows = Math.max(...cells.map((c) => c.row)) + 1;
  const cols = Math.max(...cells.map((c) => c.col)) + 1;
  const grid: string[][] = Array.from({ length: rows }, () => Array.from({ length: cols }, () => ''));
  for (const c of cells) grid[c.row]![c.col] = escapeCell(c.text);
  const line = (r: string[]) => `| ${r.join(' | ')} |`;
  return [line(grid[0]!), line(grid[0]!.map(() => '---')), ...grid.slice(1).map(line)].join('\n');
}

function markdownBlock(b: Block, text: string, figureNo: number): string {
  switch (b.type) {
    case 'heading':
      return `${'#'.repeat(b.level ?? 1)} ${text}`;
    case 'list_item':
      return /^\s*[•◦▪▫●○■□‣⁃∙·*–—-]\s*/u.test(text) ? `- ${text.replace(/^\s*[•◦▪▫●○■□‣⁃∙·*–—-]\s*/u, '')}` : text;
    case 'table':
      return b.cells && b.cells.length ? pipeTable(b.cells) : text;
    case 'figure':
      return `![Figure ${figureNo}](#figure-${b.id})` + (text ? `\n\n<!-- figure text: ${text.replace(/-->/g, '')} -->` : '');
    case 'formula':
      return `$$ ${text} $$`;
    case 'caption':
      return `*${text}*`;
    case 'form_field':
      return `**${b.field?.name ?? 'field'}**: ${text}`;
    case 'code': {
      // A fence longer than any backtick run inside the listing.
      const fence = '`'.repeat(Math.max(3, ...[...text.matchAll(/`+/gu)].map((m) => m[0].length + 1)));
      return `${fence}\n${text}\n${fence}`;
    }
    default:
      return text;
  }
}

/** Markdown of the document in reading order; running headers and footers are left out. */
export function toMarkdown(doc: LayoutDocument): string {
  const parts: string[] = [];
  let figures = 0;
  for (const { block, text } of readingBlocks(doc)) {
    // Empty form fields are structure for the JSON layout, not text.
    if (block.type === 'form_field' && !text) continue;
    if (block.type === 'figure') figures++;
    parts.push(markdownBlock(block, text, figures));
  }
  return parts.join('\n\n') + '\n';
}
