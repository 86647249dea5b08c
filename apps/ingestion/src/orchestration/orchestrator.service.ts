import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  fidelitySummarySchema,
  type FidelitySummary,
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
  type StepClaim,
  type StepLeaseAnswer,
  type TranslateJob,
  type WorkerCapacity,
  uuidv7Time,
} from '@docat/contracts';
import { dispatchCapacity, stepQueueWait, stepRuns } from '@docat/observability';
import {
  QUEUE,
  STORAGE,
  inTrace,
  readJson,
  type ObjectStorage,
  type QueuePort,
} from '@docat/service-kit';
import { INGESTION_SETTINGS, type IngestionSettings } from '../ingestion.tokens.js';
import { JobEventsPublisher, type PendingEvent } from '../events/job-events.publisher.js';
import { JobProgressTracker } from '../events/job-progress.tracker.js';
import type { ChunkRow, JobRow, StoredOptions } from '../jobs/job.row.js';
import { JobsRepository } from '../jobs/jobs.repository.js';
import {
  firstChunk,
  pagesIn,
  planChunks,
  selectedIntervals,
  type ChunkRange,
} from '@docat/pipeline';
import { ChunksRepository } from './chunks.repository.js';
import { planDispatch } from './dispatch-plan.js';
import { resultCacheKey } from './result-cache-key.js';
import { recordFinishedJob } from './job-metrics.js';
import {
  lapsedStepHasResult,
  planFromPageCount,
  renderOutcome,
  reportIsCurrent,
  sameRun,
  stageOf,
} from './transitions.js';
import { BillingService } from '../billing/billing.service.js';

const RENDERABLE = new Set(['pdf', 'dual', 'md', 'txt', 'json']);

interface Outcome {
  row: JobRow;
  events: PendingEvent[];
  render?: boolean;
  cancelled?: boolean;
  dedupe?: boolean;
}

const CHUNK_QUEUES = [
  { step: 'extract', queue: QUEUES.EXTRACT },
  { step: 'translate', queue: QUEUES.TRANSLATE },
] as const;

/**
 * Advances jobs from ingestion's own tables: chunk 0 is extracted first and reports
 * the page count, the rest of the chunks are planned from it, each chunk goes extract
 * -> translate, then one render step completes the job. Every change happens under the
 * job's row lock; queue work is enqueued after commit with idempotent ids.
 *
 * Leases measure work, not waiting: a dispatched step has no expiry until a worker
 * claims it (`jobs.step-claim`), and the worker's heartbeat extends it. Only a claimed
 * step whose heartbeat stopped is re-issued. Dispatch keeps no more steps in flight per
 * queue than the live workers announced they run, so the queue never fills with work
 * that waits.
 */
@Injectable()
export class OrchestratorService implements OnModuleDestroy {
  private readonly logger = new Logger(OrchestratorService.name);
  /** Per queue, when each account last got a slot: the tie-break of dispatch (approximate across replicas). */
  private readonly served = new Map<QueueName, Map<string, number>>();

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
    await this.chunks.insert(row.id, row.user_id, [this.firstChunk(row.options)], tx);
  }

  /** The chunk a new job starts with: its first pages, until extraction knows the count. */
  firstChunk(options: Pick<StoredOptions, 'pages'>): ChunkRange {
    return firstChunk(selectedIntervals(options.pages), this.settings.chunkPages);
  }

  /**
   * Records the pages a new job will extract, from its upload's page-tree count when it
   * could be read: they size the job's progress until the first extraction reports the real
   * count; they plan nothing. Called once the job is committed and before it is dispatched:
   * the count is kept in the cache, not the database, so it does not belong in (and must
   * not lengthen) the job's transaction.
   */
  async expectPages(row: JobRow, declaredPages: number | null): Promise<void> {
    if (!declaredPages) return;
    const intervals = selectedIntervals(row.options.pages);
    // The pages the chunks will hold once planned from the count, counted as they will be.
    const selected = pagesIn(planChunks(intervals, declaredPages, this.settings.chunkPages));
    if (selected > 0) await this.progress.expect(row.id, selected);
  }

  /**
   * Puts pending chunk steps in flight up to each queue's worker capacity, fairly across
   * accounts (see `planDispatch`). The user id names who triggered it; every account's
   * pending steps are considered, since a slot one account frees may belong to another.
   */
  async dispatch(_triggeredBy?: string): Promise<void> {
    await this.dispatchNow();
  }

  /**
   * Dispatch without waiting for it, for a new job: its upload's 202 does not wait for the
   * dispatch lock. Requests that arrive while a dispatch runs share one more pass after
   * it (which sees every job committed before its request), so a burst of uploads costs
   * two passes, not one each, one after the other.
   */
  requestDispatch(): void {
    if (this.dispatching) {
      this.dispatchAgain = true;
      return;
    }
    this.dispatching = (async () => {
      do {
        this.dispatchAgain = false;
        await this.dispatchNow().catch((err: unknown) =>
          this.logger.warn(
            `dispatch failed (the reconciler retries): ${err instanceof Error ? err.message : String(err)}`,
          ),
        );
      } while (this.dispatchAgain);
    })().finally(() => {
      this.dispatching = null;
    });
  }

  /** Resolves once no requested dispatch is running (tests; shutdown). */
  async dispatchSettled(): Promise<void> {
    while (this.dispatching) await this.dispatching;
  }

  /** A dispatch requested and not finished: awaited before the module stops. */
  async onModuleDestroy(): Promise<void> {
    await this.dispatchSettled();
  }

  private dispatching: Promise<void> | null = null;
  private dispatchAgain = false;

  private async dispatchNow(): Promise<void> {
    const started = await this.jobs.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('docat:dispatch'))`);
      const capacity = await this.chunks.capacity(tx);
      const out: ChunkRow[] = [];
      for (const { step, queue } of CHUNK_QUEUES) {
        const announced = capacity.get(queue) ?? 0;
        dispatchCapacity.set({ queue }, announced);
        const slots = Math.max(1, announced);
        const inFlight = await this.chunks.inFlight(step, tx);
        if (inFlight.reduce((n, f) => n + f.n, 0) >= slots) continue;
        const pending = await this.chunks.pendingAt(
          step,
          Math.min(slots, this.settings.userMaxChunksInFlight),
          tx,
        );
        const chosen = planDispatch({
          capacity: announced,
          reservedSlots: this.settings.reservedSlots,
          userMax: this.settings.userMaxChunksInFlight,
          inFlight,
          pending,
        });
        out.push(...(await this.chunks.markDispatched(chosen, tx)));
      }
      return out;
    });
    for (const chunk of started) await this.enqueueChunk(chunk);
  }

  private servedTick = 1;

  private servedOn(queue: QueueName): Map<string, number> {
    let map = this.served.get(queue);
    if (!map) this.served.set(queue, (map = new Map()));
    // Only the order matters; forget accounts long unserved so the map stays small.
    if (map.size > 10_000)
      for (const [user, at] of map) if (at < this.servedTick - 10_000) map.delete(user);
    return map;
  }

  /**
   * A worker asks for a step's lease before working on it. Granted when the step is
   * still dispatched under this lease and no other run holds a live lease on it; a
   * refusal tells the worker to drop the step unrun.
   */
  async claim(ref: StepClaim): Promise<StepLeaseAnswer> {
    if (ref.step === 'render') return this.claimRender(ref);
    const row = await this.chunks.claim(ref, this.settings.leaseMs);
    if (!row) return { granted: false, reason: await this.chunks.refusal(ref) };
    this.countRun(
      ref.step === 'extract' ? QUEUES.EXTRACT : QUEUES.TRANSLATE,
      row.runs,
      row.dispatched_at,
      `job ${ref.jobId} chunk ${ref.chunk} ${ref.step} lease ${ref.lease}`,
    );
    return { granted: true, leaseMs: this.settings.leaseMs };
  }

  /** The holder's heartbeat: the lease lasts `leaseMs` past it. */
  async heartbeat(ref: StepClaim): Promise<StepLeaseAnswer> {
    if (ref.step === 'render') {
      if (
        await this.jobs.renderHeartbeat(
          ref.jobId,
          new Date(uuidv7Time(ref.jobId)),
          ref.lease,
          ref.holder,
          this.settings.leaseMs,
        )
      )
        return { granted: true, leaseMs: this.settings.leaseMs };
      return { granted: false, reason: await this.renderRefusal(ref) };
    }
    if (await this.chunks.heartbeat(ref, this.settings.leaseMs))
      return { granted: true, leaseMs: this.settings.leaseMs };
    return { granted: false, reason: await this.chunks.refusal(ref) };
  }

  /** A worker's announced capacity; a change can free slots, so dispatch runs after it. */
  async workerCapacity(announcement: WorkerCapacity): Promise<void> {
    await this.chunks.announceWorker(
      announcement.worker,
      announcement.queue,
      announcement.concurrency,
      announcement.ttlMs,
    );
    if (await this.chunks.anyPending()) await this.dispatch();
  }

  private async claimRender(ref: StepClaim): Promise<StepLeaseAnswer> {
    const row = await this.jobs.claimRender(
      ref.jobId,
      new Date(uuidv7Time(ref.jobId)),
      ref.lease,
      ref.holder,
      this.settings.leaseMs,
    );
    if (!row) return { granted: false, reason: await this.renderRefusal(ref) };
    this.countRun(
      QUEUES.RENDER,
      row.render_runs,
      row.render_dispatched_at,
      `job ${ref.jobId} render lease ${ref.lease}`,
    );
    return { granted: true, leaseMs: this.settings.leaseMs };
  }

  private async renderRefusal(ref: StepClaim): Promise<'superseded' | 'finished' | 'held'> {
    const job = await this.jobs.find(ref.jobId);
    if (!job || TERMINAL_STATES.has(job.state) || job.render_state !== 'running') return 'finished';
    return job.render_lease !== ref.lease ? 'superseded' : 'held';
  }

  private countRun(queue: QueueName, runs: number, dispatchedAt: Date | null, what: string): void {
    stepRuns.inc({ queue, run: runs > 1 ? 'again' : 'first' });
    if (runs > 1)
      this.logger.warn(`${what}: run ${runs} (the previous holder stopped heartbeating)`);
    if (runs === 1 && dispatchedAt)
      stepQueueWait.observe({ queue }, Math.max(0, (Date.now() - dispatchedAt.getTime()) / 1000));
  }

  async onStepDone(done: ChunkStepDone): Promise<void> {
    const outcome = await this.jobs.transaction(async (tx): Promise<Outcome | null> => {
      const job = await this.jobs.find(done.jobId, tx, true);
      if (!job || TERMINAL_STATES.has(job.state)) return null;
      if (done.step === 'render') return this.completeRender(job, done.lease, tx, done.fidelity);
      return this.completeChunkStep(job, done, tx);
    });
    if (outcome) await this.afterCommit(outcome);
  }

  async onStepFailed(failed: ChunkStepFailed): Promise<void> {
    const outcome = await this.jobs.transaction(async (tx): Promise<Outcome | null> => {
      const job = await this.jobs.find(failed.jobId, tx, true);
      if (!job || TERMINAL_STATES.has(job.state)) return null;
      if (failed.step !== 'render') {
        const chunk = (await this.chunks.forJob(job.id, tx, true)).find(
          (c) => c.chunk === failed.chunk,
        );
        if (!reportIsCurrent(chunk, failed.step)) return null;
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
      if (TERMINAL_STATES.has(job.state))
        throw new DocatError('JOB_ALREADY_FINISHED', `the job is ${job.state}`);
      await this.chunks.cancelOpen(job.id, tx);
      const row = await this.jobs.update(
        job,
        { state: 'cancelled', render_state: null, password_secret: null },
        tx,
      );
      return { row, events: [await this.events.prepare(row, 'cancelled', tx)], cancelled: true };
    });
    await this.afterCommit(outcome);
    return outcome.row;
  }

  private async completeChunkStep(
    job: JobRow,
    done: ChunkStepDone,
    tx: EntityManager,
  ): Promise<Outcome | null> {
    let chunks = await this.chunks.forJob(job.id, tx, true);
    if (
      !reportIsCurrent(
        chunks.find((c) => c.chunk === done.chunk),
        done.step,
      )
    )
      return null;
    const events: PendingEvent[] = [];
    const patch: Parameters<JobsRepository['update']>[1] = {};
    let warnings = job.warnings;

    if (done.step === 'extract') {
      if (job.page_count === null) {
        const planned = planFromPageCount(job, done.documentPages, this.settings);
        if ('fail' in planned) return this.fail(job, planned.fail.code, planned.fail.message, tx);
        const [first, ...rest] = planned.plan;
        await this.chunks.setPages(job.id, 0, first!.pageFrom, first!.pageTo, tx);
        await this.chunks.insert(job.id, job.user_id, rest, tx);
        patch.page_count = done.documentPages!;
        patch.chunk_count = planned.plan.length;
      }
      if (done.detectedLanguage && !job.detected_language)
        patch.detected_language = done.detectedLanguage;
      await this.chunks.advance(job.id, done.chunk, { step: 'translate', state: 'pending' }, tx);
    } else {
      await this.chunks.advance(
        job.id,
        done.chunk,
        { step: 'translate', state: 'done', billed: done.billedCharacters },
        tx,
      );
      patch.billed_characters = Number(job.billed_characters) + done.billedCharacters;
    }
    if (done.warnings.length > 0) {
      warnings = [...warnings, ...done.warnings];
      patch.warnings = warnings;
    }

    chunks = await this.chunks.forJob(job.id, tx);
    const { stage, allTranslated } = stageOf(chunks);
    const stateChanged = job.state !== 'processing' || job.stage !== stage;
    let render = false;
    if (allTranslated) {
      patch.render_state = 'running';
      patch.render_lease_expires_at = null;
      patch.render_holder = null;
      patch.render_dispatched_at = new Date();
      render = true;
    }
    const row = await this.jobs.update(
      job,
      {
        ...patch,
        state: 'processing',
        stage,
        progress: await this.progress.progressOf(job, chunks, {
          renderStarted: allTranslated,
          step: done,
        }),
      },
      tx,
    );
    for (const warning of done.warnings)
      events.push(await this.events.prepare(row, 'warning', tx, { warning }));
    events.push(await this.events.prepare(row, stateChanged ? 'state' : 'progress', tx));
    return { row, events, render };
  }

  private async completeRender(
    job: JobRow,
    lease: number,
    tx: EntityManager,
    fidelity?: FidelitySummary,
  ): Promise<Outcome | null> {
    const outcome = renderOutcome(job, lease, this.settings.pageFailureShare);
    if (outcome === 'ignore') return null;
    if (outcome !== 'complete') return this.fail(job, outcome.fail.code, outcome.fail.message, tx);
    const chunks = await this.chunks.forJob(job.id, tx);
    const row = await this.jobs.update(
      job,
      {
        state: 'completed',
        stage: 'done',
        render_state: 'done',
        progress: await this.progress.progressOf(job, chunks, { rendered: true }),
        completed_at: new Date(),
        password_secret: null,
        ...(fidelity ? { fidelity } : {}),
      },
      tx,
    );
    if (row.sha256)
      await this.jobs.recordCompletedResult(
        row.user_id,
        row.sha256,
        resultCacheKey(row.options),
        row,
        tx,
      );
    return { row, events: [await this.events.prepare(row, 'completed', tx)], dedupe: true };
  }

  private async fail(
    job: JobRow,
    code: ErrorCode,
    message: string,
    tx: EntityManager,
  ): Promise<Outcome> {
    await this.chunks.cancelOpen(job.id, tx);
    const row = await this.jobs.update(
      job,
      {
        state: 'failed',
        error_code: code,
        error_message: message,
        render_state: null,
        password_secret: null,
      },
      tx,
    );
    return {
      row,
      events: [await this.events.prepare(row, 'failed', tx, { error: { code, message } })],
      cancelled: true,
    };
  }

  private async afterCommit(outcome: Outcome): Promise<void> {
    // The job's events and steps join its trace even when a timer or another job's pass
    // got here first.
    await inTrace(outcome.row.traceparent, () => this.announce(outcome));
  }

  private async announce(outcome: Outcome): Promise<void> {
    const { row } = outcome;
    if (outcome.events.some((e) => e.event.type === row.state)) recordFinishedJob(row);
    await this.events.publish(row, outcome.events);
    if (outcome.dedupe && row.sha256) await this.events.rememberResult(row);
    if (outcome.cancelled)
      await this.events.broadcast(EVENTS.JOB_CANCEL_REQUESTED, { jobId: row.id });
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
    const ref = {
      jobId: job.id,
      chunk: chunk.chunk,
      pageFrom: chunk.page_from,
      pageTo: chunk.page_to,
      lease: chunk.lease,
    };
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

  private async enqueue(
    queue: QueueName,
    job: JobRow,
    data: ExtractJob | TranslateJob | RenderJob,
    chunk: number | 'all',
    lease: number,
  ): Promise<void> {
    try {
      // One dispatch pass issues steps of many jobs: each is enqueued in its own job's trace.
      await inTrace(job.traceparent, () =>
        this.queue.enqueue(queue, makeEnvelope(queue, 1, data, { userId: job.user_id }), {
          jobId: stepJobId(queue, job.id, chunk, lease),
          attempts: STEP_ATTEMPTS,
          backoffMs: 1_000,
        }),
      );
    } catch (err) {
      // The step stays dispatched; the reconciler issues it again when no queue holds it.
      this.logger.warn(
        `enqueue ${queue} for job ${job.id} chunk ${chunk} failed: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  /**
   * Repairs claimed steps whose holder stopped heartbeating: a result already in storage
   * counts as done (the worker died after writing it), anything else is re-issued under
   * the next lease. Steps waiting in a queue are never expired; one not claimed for a
   * lease period is checked against its queue (`repairUnclaimed`).
   */
  async reconcile(now = new Date()): Promise<void> {
    for (const chunk of await this.chunks.expired(now)) {
      const job = await this.jobs.find(chunk.job_id);
      if (!job) continue;
      const key =
        chunk.step === 'extract'
          ? STORAGE_KEYS.chunkLayout(job.id, chunk.chunk)
          : STORAGE_KEYS.chunkTranslation(job.id, chunk.chunk);
      const stored = await this.storage.head(key).catch(() => null);
      const documentPages =
        stored && chunk.step === 'extract' && job.page_count === null
          ? await this.storedPageCount(key)
          : undefined;
      if (lapsedStepHasResult(chunk.step, Boolean(stored), job.page_count, documentPages)) {
        this.logger.log(
          `job ${job.id} chunk ${chunk.chunk}: ${chunk.step} result found in storage after lease expiry`,
        );
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
        if (!sameRun(current, chunk)) return [];
        return this.chunks.markDispatched([current], tx, true);
      });
      for (const row of reissued) {
        this.logger.warn(
          `job ${job.id} chunk ${row.chunk}: ${row.step} worker stopped heartbeating, re-issued as lease ${row.lease}`,
        );
        await this.enqueueChunk(row);
      }
    }
    for (const chunk of await this.chunks.unclaimed(this.settings.leaseMs))
      await this.repairUnclaimed(chunk);
    for (const job of await this.jobs.expiredRenders(now)) {
      const keys = job.options.outputs
        .filter((o) => RENDERABLE.has(o))
        .map((o) => STORAGE_KEYS.result(job.id, o));
      const present = await Promise.all(keys.map((k) => this.storage.head(k).catch(() => null)));
      if (present.every(Boolean)) {
        const fidelity = await this.storedFidelity(job.id);
        await this.onStepDone({
          jobId: job.id,
          chunk: 0,
          step: 'render',
          lease: job.render_lease,
          billedCharacters: 0,
          warnings: [],
          ...(fidelity ? { fidelity } : {}),
        });
        continue;
      }
      const bumped = await this.jobs.transaction(async (tx) => {
        const current = await this.jobs.find(job.id, tx, true);
        if (
          !current ||
          current.render_state !== 'running' ||
          current.render_lease !== job.render_lease ||
          current.render_holder !== job.render_holder
        )
          return null;
        return this.jobs.update(
          current,
          {
            render_lease: current.render_lease + 1,
            render_lease_expires_at: null,
            render_holder: null,
            render_dispatched_at: new Date(),
          },
          tx,
        );
      });
      if (bumped) {
        this.logger.warn(
          `job ${job.id}: render worker stopped heartbeating, re-issued as lease ${bumped.render_lease}`,
        );
        await this.enqueueRender(bumped);
      }
    }
    for (const job of await this.jobs.unclaimedRenders(this.settings.leaseMs)) {
      if (
        await this.queue
          .isPending(QUEUES.RENDER, stepJobId(QUEUES.RENDER, job.id, 'all', job.render_lease))
          .catch(() => true)
      )
        continue;
      const bumped = await this.jobs.transaction(async (tx) => {
        const current = await this.jobs.find(job.id, tx, true);
        if (
          !current ||
          current.render_state !== 'running' ||
          current.render_lease !== job.render_lease ||
          current.render_holder !== null
        )
          return null;
        return this.jobs.update(
          current,
          { render_lease: current.render_lease + 1, render_dispatched_at: new Date() },
          tx,
        );
      });
      if (bumped) {
        this.logger.warn(
          `job ${job.id}: render step left the queue unclaimed, re-issued as lease ${bumped.render_lease}`,
        );
        await this.enqueueRender(bumped);
      }
    }
    if (await this.chunks.anyPending()) await this.dispatch();
  }

  /**
   * A dispatched step no worker claimed for a lease period: still in its queue, it is
   * only waiting and stays as it is. Gone from the queue unclaimed (the enqueue was lost,
   * or its entry failed for good before a claim could be made, say while ingestion was
   * unreachable), it is issued again under the next lease.
   */
  private async repairUnclaimed(chunk: ChunkRow): Promise<void> {
    const queue = chunk.step === 'extract' ? QUEUES.EXTRACT : QUEUES.TRANSLATE;
    if (
      await this.queue
        .isPending(queue, stepJobId(queue, chunk.job_id, chunk.chunk, chunk.lease))
        .catch(() => true)
    )
      return;
    const reissued = await this.jobs.transaction(async (tx) => {
      const current = (await this.chunks.forJob(chunk.job_id, tx, true)).find(
        (c) => c.chunk === chunk.chunk,
      );
      if (!sameRun(current, { ...chunk, holder: null })) return [];
      return this.chunks.markDispatched([current], tx, true);
    });
    for (const row of reissued) {
      this.logger.warn(
        `job ${row.job_id} chunk ${row.chunk}: ${row.step} step left the queue unclaimed, re-issued as lease ${row.lease}`,
      );
      await this.enqueueChunk(row);
    }
  }

  private async storedPageCount(key: string): Promise<number | undefined> {
    try {
      const parsed = (await readJson(this.storage, key)) as { pageCount?: unknown };
      return typeof parsed.pageCount === 'number' ? parsed.pageCount : undefined;
    } catch {
      return undefined;
    }
  }

  private async storedBilled(key: string): Promise<number> {
    try {
      const parsed = (await readJson(this.storage, key)) as { billedCharacters?: unknown };
      return typeof parsed.billedCharacters === 'number' ? parsed.billedCharacters : 0;
    } catch {
      return 0;
    }
  }

  /** The summary of the fidelity report a render wrote before its outputs, if it is there and readable. */
  private async storedFidelity(jobId: string): Promise<FidelitySummary | undefined> {
    try {
      const parsed = fidelitySummarySchema.safeParse(
        ((await readJson(this.storage, STORAGE_KEYS.report(jobId))) as { summary?: unknown })
          .summary,
      );
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }
}
