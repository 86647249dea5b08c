import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  DocatError,
  EVENTS,
  QUEUES,
  STEP_ATTEMPTS,
  STORAGE_KEYS,
  TERMINAL_STATES,
  makeEnvelope,
  scopeOfOptions,
  stepJobId,
  type ChunkStepDone,
  type ChunkStepFailed,
  type ErrorCode,
  type ExtractJob,
  type QueueName,
  type RenderJob,
  type TranslateJob,
} from '@docat/contracts';
import { QUEUE, STORAGE, type ObjectStorage, type QueuePort } from '@docat/service-kit';
import { INGESTION_SETTINGS, type IngestionSettings } from '../ingestion.tokens.js';
import { JobEventsPublisher, type PendingEvent } from '../events/job-events.publisher.js';
import { JobProgressTracker } from '../events/job-progress.tracker.js';
import type { ChunkRow, JobRow } from '../jobs/job.row.js';
import { JobsRepository } from '../jobs/jobs.repository.js';
import { firstChunk, planChunks, selectedIntervals } from '@docat/pipeline';
import { ChunksRepository } from './chunks.repository.js';
import { resultCacheKey } from './result-cache-key.js';
import { recordFinishedJob } from './job-metrics.js';
import { BillingService } from '../billing/billing.service.js';

const RENDERABLE = new Set(['pdf', 'dual', 'md', 'txt', 'json']);

interface Outcome {
  row: JobRow;
  events: PendingEvent[];
  render?: boolean;
  cancelled?: boolean;
  dedupe?: boolean;
}

/**
 * Advances jobs from ingestion's own tables: chunk 0 is extracted first and reports
 * the page count, the rest of the chunks are planned from it, each chunk goes extract
 * -> translate, then one render step completes the job. Every change happens under the
 * job's row lock; queue work is enqueued after commit with idempotent ids, and a lost
 * enqueue or a vanished worker is repaired by the reconciler when the lease expires.
 */
@Injectable()
export class OrchestratorService {
  private readonly logger = new Logger(OrchestratorService.name);

  constructor(
    private readonly jobs: JobsRepository,
    private readonly chunks: ChunksRepository,
    private readonly events: JobEventsPublisher,
    private readonly progress: JobProgressTracker,
    @Inject(QUEUE) private readonly queue: QueuePort,
    @Inject(STORAGE) private readonly storage: ObjectStorage,
    @Inject(INGESTION_SETTINGS) private readonly settings: IngestionSettings,
    private readonly billing: BillingService,
  ) {}

  /** Plans chunk 0 of a new job (inside its creating transaction). */
  async plan(row: JobRow, tx: EntityManager): Promise<void> {
    const first = firstChunk(selectedIntervals(row.options.pages), this.settings.chunkPages);
    await this.chunks.insert(row.id, row.user_id, [first], tx);
  }

  /**
   * Starts as many of the user's pending chunk steps as the per-user cap allows, so one
   * large job cannot hold every worker while other users wait.
   */
  async dispatch(userId: string): Promise<void> {
    const started = await this.jobs.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`dispatch:${userId}`]);
      const free = this.settings.userMaxChunksInFlight - (await this.chunks.runningCount(userId, tx));
      if (free <= 0) return [];
      const pending = await this.chunks.pendingForUser(userId, free, tx);
      return this.chunks.markRunning(pending, this.settings.leaseMs, tx);
    });
    for (const chunk of started) await this.enqueueChunk(chunk);
  }

  async onStepDone(done: ChunkStepDone): Promise<void> {
    const outcome = await this.jobs.transaction(async (tx): Promise<Outcome | null> => {
      const job = await this.jobs.find(done.jobId, tx, true);
      if (!job || TERMINAL_STATES.has(job.state)) return null;
      if (done.step === 'render') return this.completeRender(job, done.lease, tx);
      return this.completeChunkStep(job, done, tx);
    });
    if (outcome) await this.afterCommit(outcome);
  }

  async onStepFailed(failed: ChunkStepFailed): Promise<void> {
    const outcome = await this.jobs.transaction(async (tx): Promise<Outcome | null> => {
      const job = await this.jobs.find(failed.jobId, tx, true);
      if (!job || TERMINAL_STATES.has(job.state)) return null;
      if (failed.step !== 'render') {
        const chunk = (await this.chunks.forJob(job.id, tx, true)).find((c) => c.chunk === failed.chunk);
        if (!chunk || chunk.step !== failed.step || chunk.state !== 'running') return null;
      }
      return this.fail(job, failed.error.code, failed.error.message, tx);
    });
    if (outcome) await this.afterCommit(outcome);
  }

  /** Cancels a job of the user: its open chunk steps stop, workers are told to abort. */
  async cancel(userId: string, jobId: string): Promise<JobRow> {
    const outcome = await this.jobs.transaction(async (tx): Promise<Outcome> => {
      const job = await this.jobs.find(jobId, tx, true);
      if (!job || job.user_id !== userId) throw new DocatError('NOT_FOUND', 'no such job');
      if (TERMINAL_STATES.has(job.state)) throw new DocatError('JOB_ALREADY_FINISHED', `the job is ${job.state}`);
      await this.chunks.cancelOpen(job.id, tx);
      const row = await this.jobs.update(job, { state: 'cancelled', render_state: null, password_secret: null }, tx);
      return { row, events: [await this.events.prepare(row, 'cancelled', tx)], cancelled: true };
    });
    await this.afterCommit(outcome);
    return outcome.row;
  }

  private async completeChunkStep(job: JobRow, done: ChunkStepDone, tx: EntityManager): Promise<Outcome | null> {
    let chunks = await this.chunks.forJob(job.id, tx, true);
    const chunk = chunks.find((c) => c.chunk === done.chunk);
    // A report for a step the chunk is no longer at is a duplicate (retry, re-issued lease): its result is already counted.
    if (!chunk || chunk.step !== done.step || chunk.state !== 'running') return null;
    const events: PendingEvent[] = [];
    const patch: Parameters<JobsRepository['update']>[1] = {};
    let warnings = job.warnings;

    if (done.step === 'extract') {
      if (job.page_count === null) {
        const pages = done.documentPages;
        if (pages === undefined) return this.fail(job, 'INTERNAL', 'the first chunk did not report the page count', tx);
        if (pages === 0) return this.fail(job, 'PDF_NO_PAGES', 'the PDF has no pages', tx);
        if (pages > this.settings.maxPages) return this.fail(job, 'PDF_TOO_MANY_PAGES', `the PDF has ${pages} pages; the limit is ${this.settings.maxPages}`, tx);
        const plan = planChunks(selectedIntervals(job.options.pages), pages, this.settings.chunkPages);
        if (plan.length === 0) return this.fail(job, 'INVALID_PAGE_RANGE', `the document has ${pages} pages`, tx);
        const [first, ...rest] = plan;
        await this.chunks.setPages(job.id, 0, first!.pageFrom, first!.pageTo, tx);
        await this.chunks.insert(job.id, job.user_id, rest, tx);
        patch.page_count = pages;
        patch.chunk_count = plan.length;
      }
      if (done.detectedLanguage && !job.detected_language) patch.detected_language = done.detectedLanguage;
      await this.chunks.advance(job.id, done.chunk, { step: 'translate', state: 'pending' }, tx);
    } else {
      await this.chunks.advance(job.id, done.chunk, { step: 'translate', state: 'done', billed: done.billedCharacters }, tx);
      patch.billed_characters = Number(job.billed_characters) + done.billedCharacters;
    }
    if (done.warnings.length > 0) {
      warnings = [...warnings, ...done.warnings];
      patch.warnings = warnings;
    }

    chunks = await this.chunks.forJob(job.id, tx);
    const allExtracted = chunks.every((c) => c.step === 'translate');
    const allTranslated = allExtracted && chunks.every((c) => c.state === 'done');
    const stage = allTranslated ? 'render' : allExtracted ? 'translate' : 'extract';
    const stateChanged = job.state !== 'processing' || job.stage !== stage;
    let render = false;
    if (allTranslated) {
      patch.render_state = 'running';
      patch.render_lease_expires_at = new Date(Date.now() + this.settings.leaseMs);
      render = true;
    }
    const row = await this.jobs.update(job, { ...patch, state: 'processing', stage, progress: await this.progress.progressOf(job, chunks, { renderStarted: allTranslated, step: done }) }, tx);
    for (const warning of done.warnings) events.push(await this.events.prepare(row, 'warning', tx, { warning }));
    events.push(await this.events.prepare(row, stateChanged ? 'state' : 'progress', tx));
    return { row, events, render };
  }

  private async completeRender(job: JobRow, lease: number, tx: EntityManager): Promise<Outcome | null> {
    if (job.render_state !== 'running' || lease > job.render_lease) return null;
    const failedPages = new Set(job.warnings.filter((w) => w.kind === 'page_failed' && w.page !== undefined).map((w) => w.page));
    const pages = job.page_count ?? 0;
    if (pages > 0 && failedPages.size / pages > this.settings.pageFailureShare) {
      return this.fail(job, 'TOO_MANY_PAGE_FAILURES', `${failedPages.size} of ${pages} pages failed`, tx);
    }
    const chunks = await this.chunks.forJob(job.id, tx);
    const row = await this.jobs.update(
      job,
      { state: 'completed', stage: 'done', render_state: 'done', progress: await this.progress.progressOf(job, chunks, { rendered: true }), completed_at: new Date(), password_secret: null },
      tx,
    );
    if (row.sha256) await this.jobs.recordCompletedResult(row.user_id, row.sha256, resultCacheKey(row.options), row, tx);
    return { row, events: [await this.events.prepare(row, 'completed', tx)], dedupe: true };
  }

  private async fail(job: JobRow, code: ErrorCode, message: string, tx: EntityManager): Promise<Outcome> {
    await this.chunks.cancelOpen(job.id, tx);
    const row = await this.jobs.update(job, { state: 'failed', error_code: code, error_message: message, render_state: null, password_secret: null }, tx);
    return { row, events: [await this.events.prepare(row, 'failed', tx, { error: { code, message } })], cancelled: true };
  }

  private async afterCommit(outcome: Outcome): Promise<void> {
    const { row } = outcome;
    if (outcome.events.some((e) => e.event.type === row.state)) recordFinishedJob(row);
    await this.events.publish(row, outcome.events);
    if (outcome.dedupe && row.sha256) await this.events.rememberResult(row);
    if (outcome.cancelled) await this.events.broadcast(EVENTS.JOB_CANCEL_REQUESTED, { jobId: row.id });
    if (outcome.render) await this.enqueueRender(row);
    if (TERMINAL_STATES.has(row.state)) await this.billing.close(row.id);
    await this.dispatch(row.user_id);
  }

  async enqueueRender(job: JobRow): Promise<void> {
    const data: RenderJob = {
      jobId: job.id,
      sourceKey: job.source_key,
      outputs: job.options.outputs.filter((o) => RENDERABLE.has(o)),
      dualMode: job.options.dualMode,
      targetLanguage: job.options.targetLanguage,
      engine: job.options.engine,
      lease: job.render_lease,
      chunks: job.chunk_count ?? 1,
      ...(job.password_secret ? { passwordSecret: job.password_secret } : {}),
      scope: scopeOfOptions(job.options),
    };
    await this.enqueue(QUEUES.RENDER, job, data, 'all', job.render_lease);
  }

  async enqueueChunk(chunk: ChunkRow): Promise<void> {
    const job = await this.jobs.find(chunk.job_id);
    if (!job || TERMINAL_STATES.has(job.state)) return;
    const ref = { jobId: job.id, chunk: chunk.chunk, pageFrom: chunk.page_from, pageTo: chunk.page_to, lease: chunk.lease };
    if (chunk.step === 'extract') {
      const data: ExtractJob = {
        ...ref,
        sourceKey: job.source_key,
        ...(job.options.sourceLanguage ? { sourceLanguage: job.options.sourceLanguage } : {}),
        ...(job.password_secret ? { passwordSecret: job.password_secret } : {}),
      };
      await this.enqueue(QUEUES.EXTRACT, job, data, chunk.chunk, chunk.lease);
    } else {
      const data: TranslateJob = {
        ...ref,
        layoutKey: STORAGE_KEYS.chunkLayout(job.id, chunk.chunk),
        targetLanguage: job.options.targetLanguage,
        ...(job.options.sourceLanguage ? { sourceLanguage: job.options.sourceLanguage } : {}),
        engine: job.options.engine,
        ...(job.options.glossaryId ? { glossaryId: job.options.glossaryId } : {}),
        useMemory: job.options.useMemory,
        scope: scopeOfOptions(job.options),
      };
      await this.enqueue(QUEUES.TRANSLATE, job, data, chunk.chunk, chunk.lease);
    }
  }

  private async enqueue(queue: QueueName, job: JobRow, data: ExtractJob | TranslateJob | RenderJob, chunk: number | 'all', lease: number): Promise<void> {
    try {
      await this.queue.enqueue(queue, makeEnvelope(queue, 1, data, { userId: job.user_id }), {
        jobId: stepJobId(queue, job.id, chunk, lease),
        attempts: STEP_ATTEMPTS,
        backoffMs: 1_000,
      });
    } catch (err) {
      // The step stays `running` with its lease; the reconciler re-issues it when the lease expires.
      this.logger.warn(`enqueue ${queue} for job ${job.id} chunk ${chunk} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /**
   * Repairs steps whose lease expired: a result already in storage counts as done (the
   * worker died after writing it), anything else is re-issued under the next lease.
   */
  async reconcile(now = new Date()): Promise<void> {
    for (const chunk of await this.chunks.expired(now)) {
      const job = await this.jobs.find(chunk.job_id);
      if (!job) continue;
      const key = chunk.step === 'extract' ? STORAGE_KEYS.chunkLayout(job.id, chunk.chunk) : STORAGE_KEYS.chunkTranslation(job.id, chunk.chunk);
      const stored = await this.storage.head(key).catch(() => null);
      const documentPages = stored && chunk.step === 'extract' && job.page_count === null ? await this.storedPageCount(key) : undefined;
      if (stored && (chunk.step === 'translate' || job.page_count !== null || documentPages !== undefined)) {
        this.logger.log(`job ${job.id} chunk ${chunk.chunk}: ${chunk.step} result found in storage after lease expiry`);
        await this.onStepDone({
          jobId: job.id,
          chunk: chunk.chunk,
          step: chunk.step,
          lease: chunk.lease,
          billedCharacters: chunk.step === 'translate' ? await this.storedBilled(key) : 0,
          warnings: [],
          ...(documentPages !== undefined ? { documentPages } : {}),
        });
        continue;
      }
      const reissued = await this.jobs.transaction(async (tx) => {
        const rows = await this.chunks.forJob(job.id, tx, true);
        const current = rows.find((c) => c.chunk === chunk.chunk);
        if (!current || current.state !== 'running' || current.lease !== chunk.lease || current.step !== chunk.step) return [];
        return this.chunks.markRunning([current], this.settings.leaseMs, tx, true);
      });
      for (const row of reissued) {
        this.logger.warn(`job ${job.id} chunk ${row.chunk}: ${row.step} lease expired, re-issued as lease ${row.lease}`);
        await this.enqueueChunk(row);
      }
    }
    for (const job of await this.jobs.expiredRenders(now)) {
      const keys = job.options.outputs.filter((o) => RENDERABLE.has(o)).map((o) => STORAGE_KEYS.result(job.id, o));
      const present = await Promise.all(keys.map((k) => this.storage.head(k).catch(() => null)));
      if (present.every(Boolean)) {
        await this.onStepDone({ jobId: job.id, chunk: 0, step: 'render', lease: job.render_lease, billedCharacters: 0, warnings: [] });
        continue;
      }
      const bumped = await this.jobs.transaction(async (tx) => {
        const current = await this.jobs.find(job.id, tx, true);
        if (!current || current.render_state !== 'running' || current.render_lease !== job.render_lease) return null;
        return this.jobs.update(current, { render_lease: current.render_lease + 1, render_lease_expires_at: new Date(Date.now() + this.settings.leaseMs) }, tx);
      });
      if (bumped) await this.enqueueRender(bumped);
    }
    for (const user of await this.chunks.usersWithPending()) await this.dispatch(user);
  }

  private async storedPageCount(key: string): Promise<number | undefined> {
    try {
      const parsed = JSON.parse(await this.readText(key)) as { pageCount?: unknown };
      return typeof parsed.pageCount === 'number' ? parsed.pageCount : undefined;
    } catch {
      return undefined;
    }
  }

  private async storedBilled(key: string): Promise<number> {
    try {
      const parsed = JSON.parse(await this.readText(key)) as { billedCharacters?: unknown };
      return typeof parsed.billedCharacters === 'number' ? parsed.billedCharacters : 0;
    } catch {
      return 0;
    }
  }

  private async readText(key: string): Promise<string> {
    const parts: Buffer[] = [];
    for await (const part of await this.storage.get(key)) parts.push(part as Buffer);
    return Buffer.concat(parts).toString('utf8');
  }
}
