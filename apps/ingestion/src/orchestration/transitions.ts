import type { ChunkStep, ErrorCode, JobStage, JobWarning } from '@docat/contracts';
import { planChunks, selectedIntervals, type ChunkRange } from '@docat/pipeline';
import type { ChunkRow, JobRow } from '../jobs/job.row.js';

/**
 * The orchestrator's decisions as pure functions of the rows it has locked: the service
 * reads the rows, asks these, and writes what they answer. Kept apart so each transition
 * can be tested without a database.
 */

/** A failure the job ends with. */
export interface Failure {
  code: ErrorCode;
  message: string;
}

/**
 * Whether a step's report (done or failed) is for the step the chunk is at now. A report
 * for a step the chunk is no longer at is a duplicate (a retry, a re-issued lease): its
 * result is already counted.
 */
export function reportIsCurrent(chunk: ChunkRow | undefined, step: ChunkStep): chunk is ChunkRow {
  return chunk !== undefined && chunk.step === step && chunk.state === 'running';
}

/**
 * The first chunk's extraction reports the document's page count: the rest of the chunks
 * are planned from it, or the job fails.
 */
export function planFromPageCount(
  job: Pick<JobRow, 'options'>,
  documentPages: number | undefined,
  limits: { maxPages: number; chunkPages: number },
): { plan: ChunkRange[] } | { fail: Failure } {
  if (documentPages === undefined)
    return { fail: { code: 'INTERNAL', message: 'the first chunk did not report the page count' } };
  if (documentPages === 0)
    return { fail: { code: 'PDF_NO_PAGES', message: 'the PDF has no pages' } };
  if (documentPages > limits.maxPages)
    return {
      fail: {
        code: 'PDF_TOO_MANY_PAGES',
        message: `the PDF has ${documentPages} pages; the limit is ${limits.maxPages}`,
      },
    };
  const plan = planChunks(selectedIntervals(job.options.pages), documentPages, limits.chunkPages);
  if (plan.length === 0)
    return {
      fail: { code: 'INVALID_PAGE_RANGE', message: `the document has ${documentPages} pages` },
    };
  return { plan };
}

/** Where a job stands once its chunks are as given. */
export function stageOf(chunks: readonly Pick<ChunkRow, 'step' | 'state'>[]): {
  stage: Extract<JobStage, 'extract' | 'translate' | 'render'>;
  allTranslated: boolean;
} {
  const allExtracted = chunks.every((c) => c.step === 'translate');
  const allTranslated = allExtracted && chunks.every((c) => c.state === 'done');
  return {
    stage: allTranslated ? 'render' : allExtracted ? 'translate' : 'extract',
    allTranslated,
  };
}

/**
 * A render's report: ignored when the render is not running or the report is of a lease
 * issued after the current one; otherwise the job completes, unless more than
 * `pageFailureShare` of its pages failed (partial success has a limit).
 */
export function renderOutcome(
  job: Pick<JobRow, 'render_state' | 'render_lease' | 'warnings' | 'page_count'>,
  lease: number,
  pageFailureShare: number,
): 'ignore' | 'complete' | { fail: Failure } {
  if (job.render_state !== 'running' || lease > job.render_lease) return 'ignore';
  const failedPages = failedPageNumbers(job.warnings);
  const pages = job.page_count ?? 0;
  if (pages > 0 && failedPages.size / pages > pageFailureShare)
    return {
      fail: {
        code: 'TOO_MANY_PAGE_FAILURES',
        message: `${failedPages.size} of ${pages} pages failed`,
      },
    };
  return 'complete';
}

function failedPageNumbers(warnings: readonly JobWarning[]): Set<number | undefined> {
  return new Set(
    warnings.filter((w) => w.kind === 'page_failed' && w.page !== undefined).map((w) => w.page),
  );
}

/**
 * A chunk step whose lease lapsed: when its result is in storage (the worker wrote it and
 * died before reporting) the result is taken as the report; an extraction's result is
 * only usable when the page count is known, from the job or from the stored layout.
 */
export function lapsedStepHasResult(
  step: ChunkStep,
  stored: boolean,
  jobPageCount: number | null,
  storedPageCount: number | undefined,
): boolean {
  return stored && (step === 'translate' || jobPageCount !== null || storedPageCount !== undefined);
}

/**
 * Whether a chunk re-read under lock is still the run the reconciler saw lapse (or saw
 * unclaimed, `holder` null): only then is it issued again, so a step is re-issued once
 * however many reconcilers saw it.
 */
export function sameRun(
  current: ChunkRow | undefined,
  seen: Pick<ChunkRow, 'lease' | 'step' | 'holder'>,
): current is ChunkRow {
  return (
    current !== undefined &&
    current.state === 'running' &&
    current.lease === seen.lease &&
    current.step === seen.step &&
    current.holder === seen.holder
  );
}
