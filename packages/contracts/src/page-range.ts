// No imports: the web app bundles this module alone (`@docat/contracts/page-range`).

/**
 * A page selection such as `1-5,8`. Pages are 1-based; ranges are inclusive. The
 * upper bound of any page number is checked against the document when it is opened.
 */
export const PAGE_RANGE = /^\s*\d+(\s*-\s*\d+)?(\s*,\s*\d+(\s*-\s*\d+)?)*\s*$/;

export interface PageInterval {
  from: number;
  to: number;
}

/** Parse `1-5,8` into sorted, merged intervals; null if the syntax or order is wrong. */
export function parsePageRange(spec: string): PageInterval[] | null {
  if (!PAGE_RANGE.test(spec)) return null;
  const parts: PageInterval[] = [];
  for (const raw of spec.split(',')) {
    const [a, b] = raw.split('-').map((s) => Number(s.trim()));
    const from = a!;
    const to = b ?? from;
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 1 || to < from)
      return null;
    parts.push({ from, to });
  }
  parts.sort((x, y) => x.from - y.from);
  const merged: PageInterval[] = [];
  for (const p of parts) {
    const last = merged[merged.length - 1];
    if (last && p.from <= last.to + 1) last.to = Math.max(last.to, p.to);
    else merged.push({ ...p });
  }
  return merged;
}

/** The pages of a selection that exist in a document of `pageCount` pages, ascending; every page without a selection. */
export function selectedPageNumbers(
  intervals: readonly PageInterval[] | undefined,
  pageCount: number,
): number[] {
  if (!intervals || intervals.length === 0)
    return Array.from({ length: pageCount }, (_, i) => i + 1);
  const out = new Set<number>();
  for (const { from, to } of intervals)
    for (let p = Math.max(1, from); p <= Math.min(to, pageCount); p++) out.add(p);
  return [...out].sort((a, b) => a - b);
}
