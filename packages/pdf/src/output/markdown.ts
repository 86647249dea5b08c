import type { Block, InlineMark, LayoutDocument, TableCell } from '@docat/contracts';
import { readingBlocks } from './reading-order.js';

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();
}

function pipeTable(cells: readonly TableCell[]): string {
  const rows = Math.max(...cells.map((c) => c.row)) + 1;
  const cols = Math.max(...cells.map((c) => c.col)) + 1;
  const grid: string[][] = Array.from({ length: rows }, () =>
    Array.from({ length: cols }, () => ''),
  );
  for (const c of cells) grid[c.row]![c.col] = escapeCell(c.text);
  const line = (r: string[]) => `| ${r.join(' | ')} |`;
  return [line(grid[0]!), line(grid[0]!.map(() => '---')), ...grid.slice(1).map(line)].join('\n');
}

/**
 * Inline styles as Markdown: `**bold**`, `*italic*`, `[words](target)`. Only marks inside
 * `text` count (a paragraph joined with its continuation keeps those of its first part);
 * emphasis already given by the block (a heading, a caption) is not repeated, and a mark
 * that takes a style away (regular words in a bold heading) has no Markdown.
 */
function inlineMarkdown(
  text: string,
  marks: readonly InlineMark[] | undefined,
  emphasis: boolean,
): string {
  if (!marks || marks.length === 0) return text;
  let out = '';
  let at = 0;
  for (const m of [...marks].sort((a, b) => a.start - b.start)) {
    if (m.start < at || m.end > text.length) continue;
    const raw = text.slice(m.start, m.end);
    const lead = raw.length - raw.trimStart().length;
    const words = raw.trim();
    if (words === '') continue;
    let styled = words;
    if (!emphasis) {
      const stars = (m.bold ? 2 : 0) + (m.italic ? 1 : 0);
      if (stars > 0) styled = `${'*'.repeat(stars)}${styled}${'*'.repeat(stars)}`;
    }
    if (m.href && /^(?:https?|mailto|ftp):/iu.test(m.href))
      styled = `[${styled}](${m.href.replace(/[()\s]/gu, encodeURIComponent)})`;
    out += text.slice(at, m.start + lead) + styled;
    at = m.start + lead + words.length;
  }
  return out + text.slice(at);
}

function markdownBlock(b: Block, plain: string, figureNo: number): string {
  const styled =
    b.type === 'paragraph' ||
    b.type === 'list_item' ||
    b.type === 'heading' ||
    b.type === 'caption';
  const text = styled
    ? inlineMarkdown(plain, b.marks, b.type === 'heading' || b.type === 'caption')
    : plain;
  switch (b.type) {
    case 'heading':
      return `${'#'.repeat(b.level ?? 1)} ${text}`;
    case 'list_item':
      return /^\s*[•◦▪▫●○■□‣⁃∙·*–—-]\s*/u.test(text)
        ? `- ${text.replace(/^\s*[•◦▪▫●○■□‣⁃∙·*–—-]\s*/u, '')}`
        : text;
    case 'table':
      return b.cells && b.cells.length ? pipeTable(b.cells) : text;
    case 'figure':
      return (
        `![Figure ${figureNo}](#figure-${b.id})` +
        (text ? `\n\n<!-- figure text: ${text.replace(/-->/g, '')} -->` : '')
      );
    case 'formula':
      return `$$ ${text} $$`;
    case 'caption':
      return `*${text}*`;
    case 'form_field':
      return `**${b.field?.name ?? 'field'}**: ${text}`;
    case 'code': {
      // A fence longer than any backtick run inside the listing.
      const fence = '`'.repeat(
        Math.max(3, ...[...text.matchAll(/`+/gu)].map((m) => m[0].length + 1)),
      );
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
