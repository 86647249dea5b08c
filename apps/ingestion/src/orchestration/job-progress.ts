import type { JobProgress } from '@docat/contracts';
import type { ChunkRow } from '../jobs/job.row.js';

const pagesOf = (c: ChunkRow) => c.page_to - c.page_from + 1;

/**
 * Progress from the chunk table: extraction counts for 45 points, translation for 40,
 * rendering for 10, and being accepted for the first 5. Pages are the unit of the
 * chunk steps; the total is the planned pages, or the first chunk's before planning.
 */
export function computeProgress(chunks: readonly ChunkRow[], rendered: boolean): JobProgress {
  const total = chunks.reduce((s, c) => s + pagesOf(c), 0);
  const extracted = chunks.filter((c) => c.step === 'translate').reduce((s, c) => s + pagesOf(c), 0);
  const translated = chunks.filter((c) => c.step === 'translate' && c.state === 'done').reduce((s, c) => s + pagesOf(c), 0);
  const share = (n: number) => (total === 0 ? 0 : n / total);
  const percent = rendered ? 100 : Math.min(99, Math.floor(5 + 45 * share(extracted) + 40 * share(translated)));
  return {
    percent,
    stages: {
      extract: { done: extracted, total, unit: 'pages' },
      translate: { done: translated, total, unit: 'pages' },
      render: { done: rendered ? 1 : 0, total: 1, unit: 'chunks' },
    },
  };
}
