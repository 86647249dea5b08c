import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import {
  TERMINAL_STATES,
  type ChunkStepDone,
  type ChunkStepProgress,
  type JobProgress,
} from '@docat/contracts';
import { CACHE, type CachePort } from '@docat/service-kit';
import type { ChunkRow, JobRow } from '../jobs/job.row.js';
import { JobsRepository } from '../jobs/jobs.repository.js';
import { ChunksRepository } from '../orchestration/chunks.repository.js';
import {
  computeProgress,
  emptyPartials,
  progressMoved,
  type ProgressInput,
  type ProgressPartials,
} from '../orchestration/job-progress.js';
import { JobEventsPublisher } from './job-events.publisher.js';

/** A job's progress is written (and published) at most this often. */
export const JOB_PROGRESS_INTERVAL_MS = 250;
/** Partials outlive the longest job; they only refine the counts the chunk table gives. */
const PARTIALS_TTL_MS = 24 * 3_600_000;

/**
 * Folds workers' in-chunk progress reports into the job's progress. Reports are
 * buffered per job and applied at most every JOB_PROGRESS_INTERVAL_MS, under the job's
 * row lock, so many chunks reporting at once make one write and, when the counts moved
 * by at least 1% (see `progressMoved`), one `progress` event.
 *
 * The partial counts of running chunks live in the cache (Redis in cluster mode), read
 * and written under the job's row lock, so whichever ingestion replica receives a report
 * or a step's completion computes the same progress. Losing them costs only detail: the
 * chunk table still gives whole-chunk counts.
 */
@Injectable()
export class JobProgressTracker implements OnModuleDestroy {
  private readonly logger = new Logger(JobProgressTracker.name);
  private readonly pending = new Map<string, Map<string, ChunkStepProgress>>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly lastFlush = new Map<string, number>();
  private readonly flushing = new Map<string, Promise<void>>();

  constructor(
    private readonly jobs: JobsRepository,
    private readonly chunks: ChunksRepository,
    private readonly events: JobEventsPublisher,
    @Inject(CACHE) private readonly cache: CachePort,
  ) {}

  /** A worker's report: kept until the job's next flush (a later report of the same step replaces it). */
  report(progress: ChunkStepProgress): void {
    let byStep = this.pending.get(progress.jobId);
    if (!byStep) {
      byStep = new Map();
      this.pending.set(progress.jobId, byStep);
    }
    const key = `${progress.step}:${progress.chunk}`;
    const before = byStep.get(key);
    if (
      !before ||
      before.lease < progress.lease ||
      (before.lease === progress.lease && before.done <= progress.done)
    )
      byStep.set(key, progress);
    this.schedule(progress.jobId);
  }

  /** Applies the job's buffered reports now (tests, and the timer). */
  async flush(jobId: string): Promise<void> {
    // One flush of a job at a time in this process: the next waits for the one running.
    const previous = this.flushing.get(jobId) ?? Promise.resolve();
    const run: Promise<void> = previous
      // The previous flush's failure went to its own caller; this one only waits for it to settle.
      .catch(() => undefined)
      .then(() => this.apply(jobId))
      .finally(() => {
        if (this.flushing.get(jobId) === run) this.flushing.delete(jobId);
      });
    this.flushing.set(jobId, run);
    await run;
  }

  /**
   * The job's progress from its chunks and the stored partials, for a change the caller
   * makes under the job's row lock (a step done, the job complete).
   */
  async progressOf(
    job: JobRow,
    chunks: readonly ChunkRow[],
    input: Omit<ProgressInput, 'previous'> & { rendered?: boolean; step?: ChunkStepDone } = {},
  ): Promise<JobProgress> {
    const partials = await this.load(job.id);
    // Reports this process holds for the job count now, not at the next flush.
    mergeReports(job, chunks, partials, [...(this.pending.get(job.id)?.values() ?? [])]);
    const step = input.step;
    if (step?.step === 'translate' && step.segments !== undefined) {
      partials.chunks[step.chunk] = {
        ...partials.chunks[step.chunk],
        translate: [step.segments, step.segments],
      };
    }
    const progress = computeProgress(chunks, input.rendered ?? false, partials, {
      ...input,
      previous: job.progress,
    });
    await this.save(job.id, partials);
    return progress;
  }

  onModuleDestroy(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.pending.clear();
  }

  private schedule(jobId: string): void {
    if (this.timers.has(jobId)) return;
    if (this.lastFlush.size > 1_000) {
      // Only a flush within the last interval matters; older ones are forgotten.
      const before = Date.now() - JOB_PROGRESS_INTERVAL_MS;
      for (const [id, at] of this.lastFlush) if (at < before) this.lastFlush.delete(id);
    }
    const wait = Math.max(
      0,
      (this.lastFlush.get(jobId) ?? 0) + JOB_PROGRESS_INTERVAL_MS - Date.now(),
    );
    const timer = setTimeout(() => {
      this.timers.delete(jobId);
      this.flush(jobId).catch((err: unknown) =>
        this.logger.warn(
          `progress of job ${jobId} not applied: ${err instanceof Error ? err.message : String(err)}`,
        ),
      );
    }, wait);
    timer.unref();
    this.timers.set(jobId, timer);
  }

  private async apply(jobId: string): Promise<void> {
    const reports = [...(this.pending.get(jobId)?.values() ?? [])];
    this.pending.delete(jobId);
    this.lastFlush.set(jobId, Date.now());
    if (reports.length === 0) return;
    const outcome = await this.jobs.transaction(async (tx) => {
      const job = await this.jobs.find(jobId, tx, true);
      if (!job || TERMINAL_STATES.has(job.state)) {
        this.lastFlush.delete(jobId);
        return null;
      }
      const chunks = await this.chunks.forJob(jobId, tx);
      const partials = await this.load(jobId);
      if (!mergeReports(job, chunks, partials, reports)) return null;
      const progress = computeProgress(chunks, false, partials, {
        previous: job.progress,
        renderStarted: job.render_state === 'running',
      });
      await this.save(jobId, partials);
      if (!progressMoved(job.progress, progress)) return null;
      // The first report of a queued job is its start: that is a stage change.
      const started = job.state === 'queued';
      const row = await this.jobs.update(
        job,
        {
          progress,
          ...(started ? { state: 'processing' as const, stage: 'extract' as const } : {}),
        },
        tx,
      );
      return { row, events: [await this.events.prepare(row, started ? 'state' : 'progress', tx)] };
    });
    if (outcome) await this.events.publish(outcome.row, outcome.events);
  }

  /**
   * Records how many pages a new job will extract (the upload's page-tree count within its
   * page selection), so that its progress counts them before the first chunk reports the
   * document's real count. Best effort, like the rest of the partials.
   */
  async expect(jobId: string, pages: number): Promise<void> {
    const partials = await this.load(jobId);
    await this.save(jobId, { ...partials, expectedPages: pages });
  }

  private async load(jobId: string): Promise<ProgressPartials> {
    const text = await this.cache.get(partialsKey(jobId)).catch(() => null);
    if (!text) return emptyPartials();
    try {
      const parsed = JSON.parse(text) as Partial<ProgressPartials>;
      return {
        chunks: parsed.chunks ?? {},
        clocks: parsed.clocks ?? {},
        ...(parsed.render ? { render: parsed.render } : {}),
        ...(typeof parsed.expectedPages === 'number'
          ? { expectedPages: parsed.expectedPages }
          : {}),
      };
    } catch {
      return emptyPartials();
    }
  }

  private async save(jobId: string, partials: ProgressPartials): Promise<void> {
    await this.cache
      .set(partialsKey(jobId), JSON.stringify(partials), PARTIALS_TTL_MS)
      // Partial counts are a cache beside the events; a failed write only coarsens the next report.
      .catch(() => undefined);
  }
}

/**
 * Folds reports into the partials, keeping only those of the step a chunk is at, under
 * its current lease (a stale or re-issued worker's reports are ignored). A translation
 * that finished before its reports were applied still gives its segment count.
 */
function mergeReports(
  job: JobRow,
  chunks: readonly ChunkRow[],
  partials: ProgressPartials,
  reports: readonly ChunkStepProgress[],
): boolean {
  let applied = false;
  for (const report of reports) {
    if (report.step === 'render') {
      if (job.render_state !== 'running' || report.lease !== job.render_lease) continue;
      partials.render = [report.done, report.total];
      applied = true;
      continue;
    }
    const chunk = chunks.find((c) => c.chunk === report.chunk);
    if (!chunk || chunk.step !== report.step || chunk.lease !== report.lease) continue;
    if (chunk.state !== 'running' && !(report.step === 'translate' && chunk.state === 'done'))
      continue;
    partials.chunks[report.chunk] = {
      ...partials.chunks[report.chunk],
      [report.step]: [report.done, report.total],
    };
    applied = true;
  }
  return applied;
}

/** Where a job's progress partials are kept in the cache. */
export function partialsKey(jobId: string): string {
  return `job-progress:${jobId}`;
}
