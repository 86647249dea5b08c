import {
  WORK_STAGES,
  composeProgress,
  startClocks,
  type JobProgress,
  type StageClocks,
  type StageCounts,
} from '@docat/contracts';
import type { ChunkRow } from '../jobs/job.row.js';

const pagesOf = (c: ChunkRow) => c.page_to - c.page_from + 1;

/** How far running steps are inside their chunks, from workers' progress reports. */
export interface ProgressPartials {
  /** By chunk number: [done, total] of its extraction (pages) and translation (segments). */
  chunks: Record<string, { extract?: [number, number]; translate?: [number, number] }>;
  /** [done, total] pages of the render step. */
  render?: [number, number];
  /**
   * Pages the job will extract, from the upload's page-tree count and the page selection,
   * known before the first chunk's extraction reports the document's real count. Until
   * then the only chunk is the first one as planned (say pages 1-10 of a 3-page file),
   * which is not the job's size.
   */
  expectedPages?: number;
  /** When each stage was first seen under way: the base of its ETA. */
  clocks: StageClocks;
}

export function emptyPartials(): ProgressPartials {
  return { chunks: {}, clocks: {} };
}

export interface ProgressInput {
  /** The render step finished: the job is complete. */
  rendered?: boolean;
  /** The render step is under way (every chunk is translated). */
  renderStarted?: boolean;
  /** What the job showed before: counts never go backwards within a unit. */
  previous?: JobProgress;
  now?: number;
}

/**
 * Stage counts from the chunk table and the partials: pages extracted (whole chunks
 * past extraction plus pages reported by running ones), segments translated (a chunk's
 * segment count is known once its translation starts; chunks not yet started are
 * estimated from the segments per page seen so far) and pages rendered.
 */
export function stageCounts(
  chunks: readonly ChunkRow[],
  partials: ProgressPartials,
  input: ProgressInput = {},
): StageCounts {
  const counts: StageCounts = {};
  const planned = chunks.reduce((s, c) => s + pagesOf(c), 0);
  // Before the first extraction plans the rest, the job's size is the upload's count.
  const firstOnly = chunks.length === 1 && chunks[0]!.step === 'extract';
  const totalPages =
    firstOnly && partials.expectedPages !== undefined && partials.expectedPages > 0
      ? partials.expectedPages
      : planned;
  const extracted = chunks.reduce(
    (s, c) =>
      s +
      (c.step === 'translate'
        ? pagesOf(c)
        : Math.min(pagesOf(c), partials.chunks[c.chunk]?.extract?.[0] ?? 0)),
    0,
  );
  const extractedShown = Math.min(extracted, totalPages);
  counts.extract = { done: extractedShown, total: totalPages, unit: 'pages' };

  const translatedChunk = (c: ChunkRow) => c.step === 'translate' && c.state === 'done';
  const known = chunks.filter((c) => partials.chunks[c.chunk]?.translate !== undefined);
  if (known.length > 0) {
    const perPage =
      known.reduce((s, c) => s + partials.chunks[c.chunk]!.translate![1], 0) /
      Math.max(
        1,
        known.reduce((s, c) => s + pagesOf(c), 0),
      );
    let done = 0;
    let total = 0;
    for (const c of chunks) {
      const reported = partials.chunks[c.chunk]?.translate;
      const chunkTotal = reported ? reported[1] : Math.round(pagesOf(c) * perPage);
      total += chunkTotal;
      done += translatedChunk(c)
        ? chunkTotal
        : c.step === 'translate' && c.state === 'running'
          ? Math.min(chunkTotal, reported?.[0] ?? 0)
          : 0;
    }
    counts.translate = { done, total, unit: 'segments' };
  } else if (chunks.some(translatedChunk)) {
    // No segment counts reached this job (reports lost): pages stand in.
    counts.translate = {
      done: chunks.filter(translatedChunk).reduce((s, c) => s + pagesOf(c), 0),
      total: totalPages,
      unit: 'pages',
    };
  }

  if (input.rendered || input.renderStarted || partials.render) {
    const total = partials.render?.[1] ?? totalPages;
    counts.render = {
      done: input.rendered ? total : Math.min(total, partials.render?.[0] ?? 0),
      total,
      unit: 'pages',
    };
  }
  return counts;
}

/**
 * The job's progress (see `composeProgress`): extraction counts for 45 points,
 * translation for 40, rendering for 10 and being accepted for the first 5. Starts the
 * clocks of stages seen under way for the first time in `partials` (the caller keeps them).
 */
export function computeProgress(
  chunks: readonly ChunkRow[],
  rendered: boolean,
  partials: ProgressPartials = emptyPartials(),
  input: ProgressInput = {},
): JobProgress {
  const now = input.now ?? Date.now();
  const counts = stageCounts(chunks, partials, { ...input, rendered });
  const previous = input.previous?.stages;
  for (const stage of WORK_STAGES) {
    const c = counts[stage];
    const before = previous?.[stage];
    if (c && before && before.unit === c.unit && before.done > c.done) {
      c.done = before.done;
      c.total = Math.max(c.total, c.done);
    }
  }
  startClocks(counts, partials.clocks, now);
  return composeProgress(counts, partials.clocks, now, rendered);
}

/**
 * Whether `next` is worth an event after `previous`: a stage appeared, changed unit or
 * total, finished, or moved by at least 1% of its total. ETA changes alone are not.
 */
export function progressMoved(previous: JobProgress | undefined, next: JobProgress): boolean {
  if (!previous) return true;
  for (const stage of WORK_STAGES) {
    const a = previous.stages[stage];
    const b = next.stages[stage];
    if (!b) continue;
    if (!a || a.unit !== b.unit || a.total !== b.total) return true;
    if (
      b.done !== a.done &&
      (b.done === b.total || Math.abs(b.done - a.done) >= Math.max(1, b.total / 100))
    )
      return true;
  }
  return false;
}
