import { parsePageRange, type PageInterval } from '@docat/contracts';

export interface ChunkRange {
  chunk: number;
  pageFrom: number;
  pageTo: number;
}

/** The page intervals a job covers before the page count is known (the user's selection, or everything). */
export function selectedIntervals(pages: string | undefined): PageInterval[] {
  if (!pages) return [{ from: 1, to: Number.MAX_SAFE_INTEGER }];
  return parsePageRange(pages) ?? [{ from: 1, to: Number.MAX_SAFE_INTEGER }];
}

/**
 * The first chunk, planned before anything is known about the document: the first
 * `chunkPages` selected pages. Its extraction reports the page count, from which the
 * rest are planned.
 */
export function firstChunk(intervals: PageInterval[], chunkPages: number): ChunkRange {
  const first = intervals[0] ?? { from: 1, to: Number.MAX_SAFE_INTEGER };
  return {
    chunk: 0,
    pageFrom: first.from,
    pageTo: Math.min(first.to, first.from + chunkPages - 1),
  };
}

/**
 * Every chunk of a document of `pageCount` pages: the selection clipped to the
 * document, each interval cut into runs of at most `chunkPages`. Chunk 0 is always
 * `firstChunk` clipped, so planning after the first extraction never moves it.
 */
export function planChunks(
  intervals: PageInterval[],
  pageCount: number,
  chunkPages: number,
): ChunkRange[] {
  const chunks: ChunkRange[] = [];
  for (const interval of intervals) {
    const to = Math.min(interval.to, pageCount);
    for (let from = interval.from; from <= to; from += chunkPages) {
      chunks.push({
        chunk: chunks.length,
        pageFrom: from,
        pageTo: Math.min(to, from + chunkPages - 1),
      });
    }
  }
  return chunks;
}

export function pagesIn(chunks: readonly ChunkRange[]): number {
  return chunks.reduce((sum, c) => sum + (c.pageTo - c.pageFrom + 1), 0);
}
