import {
  documentsProcessed,
  engineJobs,
  jobDuration,
  jobsFinished,
  pagesProcessed,
} from '@docat/observability';
import type { JobRow } from '../jobs/job.row.js';

/** Counts a job that just reached its final state (once: only the transition records). */
export function recordFinishedJob(row: JobRow): void {
  const seconds = Math.max(0, (Date.now() - row.created_at.getTime()) / 1000);
  jobDuration.observe({ state: row.state }, seconds);
  jobsFinished.inc({ state: row.state, code: row.error_code ?? '' });
  if (row.state === 'completed' && !row.cached) {
    documentsProcessed.inc();
    pagesProcessed.inc(row.page_count ?? 0);
    engineJobs.inc({ engine: row.options.engine ?? 'default' });
  }
}
