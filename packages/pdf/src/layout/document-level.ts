import { DocatError, LAYOUT_SCHEMA_VERSION } from '@docat/contracts/core';
import type { Block, LayoutDocument, Page } from '@docat/contracts';

const MARGIN = 0.1;
const PAGE_NUMBER_RE =
  /^(?:page\s+)?[-–(]?\s*(?:\d{1,4}|[ivxlc]{1,6})\s*[-–)]?(?:\s*(?:of|\/)\s*\d{1,4})?$/i;

function repeatKey(text: string): string {
  return text.toLowerCase().replace(/\d+/g, '#').replace(/\s+/g, ' ').trim();
}

function zone(block: Block, page: Page): 'top' | 'bottom' | undefined {
  if (block.bbox[3] <= page.height * MARGIN * 1.2 && block.bbox[1] <= page.height * MARGIN)
    return 'top';
  if (block.bbox[1] >= page.height * (1 - MARGIN)) return 'bottom';
  return undefined;
}

const MOVABLE = new Set(['paragraph', 'heading', 'caption', 'list_item', 'formula']);

/**
 * Running headers and footers: short blocks in the top or bottom margin whose text
 * (digits ignored) repeats on at least 40% of the pages, or bare page numbers there.
 */
function markHeadersFooters(pages: Page[]): void {
  if (pages.length < 2) return;
  const counts = new Map<string, Set<number>>();
  for (const page of pages) {
    for (const b of page.blocks) {
      const z = zone(b, page);
      if (!z || !MOVABLE.has(b.type) || b.text.length > 200) continue;
      const key = `${z}:${repeatKey(b.text)}`;
      const set = counts.get(key) ?? new Set<number>();
      set.add(page.number);
      counts.set(key, set);
    }
  }
  const needed = Math.max(2, Math.ceil(pages.length * 0.4));
  for (const page of pages) {
    for (const b of page.blocks) {
      const z = zone(b, page);
      if (!z || !MOVABLE.has(b.type) || b.text.length > 200) continue;
      const seen = counts.get(`${z}:${repeatKey(b.text)}`)?.size ?? 0;
      if (seen >= needed || PAGE_NUMBER_RE.test(b.text.trim())) {
        b.type = z === 'top' ? 'header' : 'footer';
        delete b.level;
      }
    }
  }
}

/** Heading levels from the document's distinct heading sizes, largest first. */
function assignHeadingLevels(pages: Page[]): void {
  const sizes = new Set<number>();
  const sizeOf = (b: Block): number => {
    const spans = b.lines.flatMap((l) => l.spans);
    let best = 0;
    for (const s of spans) best = Math.max(best, s.size);
    return Math.round(best * 2) / 2;
  };
  for (const p of pages) for (const b of p.blocks) if (b.type === 'heading') sizes.add(sizeOf(b));
  const ranked = [...sizes].sort((a, b) => b - a);
  for (const p of pages) {
    for (const b of p.blocks) {
      if (b.type === 'heading') b.level = Math.min(6, ranked.indexOf(sizeOf(b)) + 1);
    }
  }
}

const FLOWING = new Set(['paragraph', 'list_item']);

/**
 * A paragraph that ends a page without closing its sentence and is picked up by a
 * paragraph starting in lowercase (or after a broken word) on the next page.
 */
function markContinuations(pages: Page[]): void {
  for (let i = 0; i + 1 < pages.length; i++) {
    const page = pages[i]!;
    const next = pages[i + 1]!;
    if (next.number !== page.number + 1) continue;
    const last = [...page.blocks]
      .reverse()
      .find((b) => FLOWING.has(b.type) || b.type === 'heading');
    const first = next.blocks.find((b) => FLOWING.has(b.type) || b.type === 'heading');
    if (!last || !first || last.type !== 'paragraph' || first.type !== 'paragraph') continue;
    const open = !/[.!?:;。！？)\]"'”]$/u.test(last.text.trim());
    const lower = /^\p{Ll}/u.test(first.text.trim());
    if (open && (lower || /[-‐]$/.test(last.text.trim()))) last.continues = true;
  }
}

/** Document-level pass; idempotent only on a document built with `documentLevel: false`. */
export function finalizeDocument(doc: LayoutDocument): LayoutDocument {
  markHeadersFooters(doc.pages);
  assignHeadingLevels(doc.pages);
  markContinuations(doc.pages);
  return doc;
}

/**
 * Merge chunks extracted separately (with `documentLevel: false`) into one document,
 * pages in page order, then run the document-level pass over all pages. The result
 * does not depend on how the pages were split into chunks.
 */
export function mergeChunks(chunks: readonly LayoutDocument[]): LayoutDocument {
  if (chunks.length === 0) throw new DocatError('PDF_NO_PAGES', 'No chunks to merge');
  const seen = new Set<number>();
  const pages: Page[] = [];
  for (const chunk of chunks) {
    for (const page of chunk.pages) {
      if (seen.has(page.number))
        throw new DocatError('INTERNAL', `Page ${page.number} appears in two chunks`);
      seen.add(page.number);
      pages.push(structuredClone(page));
    }
  }
  pages.sort((a, b) => a.number - b.number);
  const first = chunks[0]!;
  const doc: LayoutDocument = {
    schemaVersion: LAYOUT_SCHEMA_VERSION,
    pageCount: Math.max(...chunks.map((c) => c.pageCount)),
    ...(first.title !== undefined ? { title: first.title } : {}),
    ...(first.language !== undefined ? { language: first.language } : {}),
    pages,
  };
  return finalizeDocument(doc);
}
