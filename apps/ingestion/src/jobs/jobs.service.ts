import { createHash } from 'node:crypto';
import { basename, extname } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { z } from 'zod';
import {
  DocatError,
  OUTPUT_CONTENT_TYPES,
  STORAGE_KEYS,
  encodeJobCursor,
  decodeJobCursor,
  uuidv7,
  type JobList,
  type JobView,
  type OutputFormat,
  type ResultLocation,
  RPC_CONTRACTS,
} from '@docat/contracts';
import { STORAGE, type ObjectStorage } from '@docat/service-kit';
import { resultCacheLookups } from '@docat/observability';
import { startWarnings } from '@docat/pipeline';
import { JobEventsPublisher } from '../events/job-events.publisher.js';
import { OrchestratorService } from '../orchestration/orchestrator.service.js';
import { resultCacheKey } from '../orchestration/result-cache-key.js';
import type { JobRow, StoredOptions } from './job.row.js';
import { toJobView } from './job-view.js';
import { JobsRepository, type JobListFilter, type NewJob } from './jobs.repository.js';
import { BillingService } from '../billing/billing.service.js';
import { idempotencyRequestHash } from '../billing/idempotency.js';

type CreateRequest = z.infer<(typeof RPC_CONTRACTS)['jobs.create']['request']>;

@Injectable()
export class JobsService {
  private readonly logger = new Logger('Jobs');
  constructor(
    private readonly jobs: JobsRepository,
    private readonly orchestrator: OrchestratorService,
    private readonly events: JobEventsPublisher,
    private readonly billing: BillingService,
    @Inject(STORAGE) private readonly storage: ObjectStorage,
  ) {}

  /**
   * Records a job for a stored upload. The file's identity is the SHA-256 the gateway
   * computed while streaming it in: the file is not read again here. With the same
   * idempotency key and request the same job answers; a
   * completed job of the same user, file and output-affecting options answers at once
   * as a new `cached` job pointing at its results, with no work and no cost.
   */
  async create(req: CreateRequest): Promise<JobView> {
    const sha256 = req.upload.sha256;
    const options = req.options;
    const stored: StoredOptions = { ...options, engine: req.engine.engine };
    const optionsHash = resultCacheKey(stored);
    const requestHash = idempotencyRequestHash(sha256, stored, req.passwordSecret !== undefined);

    if (req.idempotencyKey) {
      const previous = await this.jobs.findIdempotencyKey(req.userId, req.idempotencyKey);
      if (previous) return this.replay(previous, requestHash, req.upload.storageKey);
    }

    // The cheap check: the page tree's count, as the gateway read it from the streamed bytes
    // (else read here with a few range reads). The sandbox opens the file in the job's first
    // step (extraction), which fails the job with its PDF_* code. A read here runs while the
    // result cache is looked up: both are round trips, and only a cached result, which needs
    // no count, makes the read useless.
    const [cached, counted] = await Promise.allSettled([
      options.noCache ? null : this.findCompleted(req.userId, sha256, optionsHash),
      this.billing.declaredPages(req.upload.storageKey, req.upload.bytes, req.upload.declaredPages),
    ]);
    if (cached.status === 'rejected') throw cached.reason;
    const cachedFrom = cached.value;
    const declaredPages = cachedFrom
      ? null
      : await this.declaredPages(req.upload.storageKey, counted);
    const id = uuidv7();
    // Sealed by the gateway, bound to the upload; only the steps that open the PDF unseal it.
    const passwordSecret =
      req.passwordSecret !== undefined && !cachedFrom ? req.passwordSecret : null;
    // Before any work: the worst case is reserved, or the upload refused with INSUFFICIENT_CREDITS. Cached results are free.
    const reservation = cachedFrom
      ? null
      : await this.billing
          .reserve(
            req.userId,
            id,
            req.upload.storageKey,
            req.options,
            req.engine,
            req.passwordSecret,
            declaredPages,
          )
          .catch(async (err: unknown) => {
            // A refused upload leaves nothing behind.
            // An upload left behind is swept by retention; the refusal is what the client must get.
            if (err instanceof DocatError && err.code === 'INSUFFICIENT_CREDITS')
              await this.storage.delete(req.upload.storageKey).catch(() => undefined);
            throw err;
          });
    const base = {
      id,
      userId: req.userId,
      fileName: req.upload.fileName,
      fileBytes: req.upload.bytes,
      sha256,
      sourceKey: req.upload.storageKey,
      options: stored,
      passwordSecret,
    };

    const queued: NewJob = {
      ...base,
      state: 'queued',
      stage: 'queued',
      progress: { percent: 0, stages: {} },
      warnings: startWarnings(req.engine),
    };
    const created = await (
      req.idempotencyKey || cachedFrom
        ? this.jobs.transaction(async (tx) => {
            const row = cachedFrom
              ? await this.jobs.insert(
                  {
                    ...base,
                    state: 'completed',
                    stage: 'done',
                    progress: cachedFrom.progress,
                    cached: {
                      resultsJobId: cachedFrom.results_job_id ?? cachedFrom.id,
                      pageCount: cachedFrom.page_count,
                      warnings: cachedFrom.warnings,
                      detectedLanguage: cachedFrom.detected_language,
                      fidelity: cachedFrom.fidelity ?? null,
                    },
                  },
                  tx,
                )
              : await this.jobs.insert(queued, tx);
            if (
              req.idempotencyKey &&
              !(await this.jobs.insertIdempotencyKey(
                req.userId,
                req.idempotencyKey,
                requestHash,
                row,
                tx,
              ))
            ) {
              return null;
            }
            if (!cachedFrom) await this.orchestrator.plan(row, tx);
            if (reservation) await this.billing.record(reservation, row, tx);
            // The row was inserted with its first event's sequence number: no statement for it.
            const event = this.events.prepareFirst(row, cachedFrom ? 'completed' : 'state');
            return { row, event };
          })
        : // Without an idempotency key nothing can make the job lose a race: the job, its first
          // chunk and its billing row go as one statement, with no transaction around it.
          this.jobs
            .insertQueued(
              queued,
              this.orchestrator.firstChunk(stored),
              reservation
                ? { reserved: reservation.credits, estimate: reservation.estimate }
                : null,
            )
            .then((row) => ({ row, event: this.events.prepareFirst(row, 'state') }))
    ).catch(async (err: unknown) => {
      if (reservation) await this.billing.abandon(reservation);
      throw err;
    });
    if (!created) {
      if (reservation) await this.billing.abandon(reservation);
      // Another request with the same key won the race: answer as it did.
      const previous = await this.jobs.findIdempotencyKey(req.userId, req.idempotencyKey!);
      if (!previous) throw new DocatError('INTERNAL');
      return this.replay(previous, requestHash, req.upload.storageKey);
    }
    // After commit, before the first dispatch: the transaction holds a pooled connection
    // (five for each service in standalone), so it holds nothing that waits on the cache.
    await Promise.all([
      this.events.publish(created.row, [created.event]),
      cachedFrom ? undefined : this.orchestrator.expectPages(created.row, declaredPages),
    ]);
    // The 202 does not wait for the dispatch lock; the reconciler dispatches if this pass fails.
    if (!cachedFrom) this.orchestrator.requestDispatch();
    return toJobView(created.row);
  }

  async get(userId: string, jobId: string): Promise<JobView> {
    const snapshot = await this.events.readSnapshot(jobId);
    if (snapshot) {
      if (snapshot.userId !== userId) throw new DocatError('NOT_FOUND', 'no such job');
      return snapshot.view;
    }
    const row = await this.owned(userId, jobId);
    await this.events.storeSnapshot(row);
    return toJobView(row);
  }

  async list(
    userId: string,
    limit: number,
    cursor?: string,
    filter: JobListFilter = {},
  ): Promise<JobList> {
    const before = cursor === undefined ? undefined : decodeJobCursor(cursor);
    if (before === null) throw new DocatError('VALIDATION_FAILED', 'the cursor is not valid');
    const rows = await this.jobs.list(userId, limit + 1, before, filter);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toJobView),
      nextCursor:
        rows.length > limit && last
          ? encodeJobCursor({ createdAt: last.created_at.toISOString(), id: last.id })
          : null,
    };
  }

  async cancel(userId: string, jobId: string): Promise<JobView> {
    return toJobView(await this.orchestrator.cancel(userId, jobId));
  }

  async result(userId: string, jobId: string, format: OutputFormat): Promise<ResultLocation> {
    const row = await this.owned(userId, jobId);
    if (row.state === 'cancelled') throw new DocatError('JOB_CANCELLED');
    if (row.state !== 'completed')
      throw new DocatError('JOB_NOT_FINISHED', `the job is ${row.state}`);
    if (!row.options.outputs.includes(format))
      throw new DocatError('RESULT_NOT_AVAILABLE', `the job did not ask for ${format}`);
    if (row.files_deleted_at)
      throw new DocatError(
        'RESULT_EXPIRED',
        `results are kept for a limited time; this job's were deleted on ${row.files_deleted_at.toISOString().slice(0, 10)}`,
      );
    const key = STORAGE_KEYS.result(row.results_job_id ?? row.id, format);
    const info = await this.storage.head(key);
    if (!info) throw new DocatError('RESULT_NOT_AVAILABLE', `no ${format} result was produced`);
    const stem = basename(row.file_name, extname(row.file_name)) || 'document';
    const suffix =
      format === 'dual'
        ? `${row.options.targetLanguage}.dual.pdf`
        : `${row.options.targetLanguage}.${format}`;
    return {
      storageKey: key,
      bytes: info.bytes,
      etag:
        info.etag ??
        `"${createHash('sha256').update(`${key}:${info.bytes}`).digest('hex').slice(0, 32)}"`,
      contentType: OUTPUT_CONTENT_TYPES[format],
      fileName: `${stem}.${suffix}`,
    };
  }

  /**
   * The fidelity report (`GET /v1/jobs/:id/report`): written by the render step, so it
   * exists once the job is completed. A cached job answers with its source job's report.
   */
  async report(userId: string, jobId: string): Promise<ResultLocation> {
    const row = await this.owned(userId, jobId);
    if (row.state === 'queued' || row.state === 'processing')
      throw new DocatError(
        'REPORT_NOT_READY',
        `the job is ${row.state}; its report is made once it is rendered`,
      );
    if (row.state !== 'completed')
      throw new DocatError(
        'REPORT_NOT_AVAILABLE',
        `the job ${row.state === 'cancelled' ? 'was cancelled' : 'failed'} before it was rendered`,
      );
    if (row.files_deleted_at)
      throw new DocatError(
        'RESULT_EXPIRED',
        `results are kept for a limited time; this job's were deleted on ${row.files_deleted_at.toISOString().slice(0, 10)}`,
      );
    const key = STORAGE_KEYS.report(row.results_job_id ?? row.id);
    const info = await this.storage.head(key);
    if (!info)
      throw new DocatError(
        'REPORT_NOT_AVAILABLE',
        'the job was rendered before fidelity reports were made',
      );
    const stem = basename(row.file_name, extname(row.file_name)) || 'document';
    return {
      storageKey: key,
      bytes: info.bytes,
      etag:
        info.etag ??
        `"${createHash('sha256').update(`${key}:${info.bytes}`).digest('hex').slice(0, 32)}"`,
      contentType: 'application/json',
      fileName: `${stem}.${row.options.targetLanguage}.report.json`,
    };
  }

  /** The uploaded PDF while it is kept (uploads are swept after UPLOAD retention). */
  async source(userId: string, jobId: string): Promise<ResultLocation> {
    const row = await this.owned(userId, jobId);
    const info = await this.storage.head(row.source_key);
    if (!info)
      throw new DocatError(
        'RESULT_EXPIRED',
        'uploads are kept for a limited time; this one was deleted',
      );
    return {
      storageKey: row.source_key,
      bytes: info.bytes,
      etag:
        info.etag ??
        `"${createHash('sha256').update(`${row.source_key}:${info.bytes}`).digest('hex').slice(0, 32)}"`,
      contentType: 'application/pdf',
      fileName: row.file_name,
    };
  }

  private async owned(userId: string, jobId: string): Promise<JobRow> {
    const row = await this.jobs.find(jobId);
    if (!row || row.user_id !== userId) throw new DocatError('NOT_FOUND', 'no such job');
    return row;
  }

  private async replay(
    previous: { request_hash: string; job_id: string },
    requestHash: string,
    uploadKey: string,
  ): Promise<JobView> {
    if (previous.request_hash !== requestHash) {
      // A duplicate upload left behind is swept by retention; the replayed answer does not depend on it.
      await this.storage.delete(uploadKey).catch(() => undefined);
      throw new DocatError(
        'IDEMPOTENCY_KEY_REUSED',
        'The Idempotency-Key was used with a different file or options',
      );
    }
    const row = await this.jobs.find(previous.job_id);
    if (!row) throw new DocatError('NOT_FOUND', 'no such job');
    // The repeated upload is not needed: the job works from the first one.
    // A duplicate upload left behind is swept by retention; the replayed answer does not depend on it.
    if (row.source_key !== uploadKey) await this.storage.delete(uploadKey).catch(() => undefined);
    return toJobView(row);
  }

  /** The completed job whose results answer this request: Redis first, then the dedupe table. */
  private async findCompleted(
    userId: string,
    sha256: string,
    optionsHash: string,
  ): Promise<JobRow | null> {
    const fromCache = await this.events.cachedResult(userId, sha256, optionsHash);
    const id = fromCache ?? (await this.jobs.findCompletedResult(userId, sha256, optionsHash));
    if (!id) {
      resultCacheLookups.inc({ result: 'miss' });
      return null;
    }
    const row = await this.jobs.find(id);
    const resultsId = row?.results_job_id ?? row?.id;
    if (
      row &&
      row.state === 'completed' &&
      resultsId &&
      (await this.resultsPresent(resultsId, row.options.outputs))
    ) {
      if (!fromCache) await this.events.rememberResult(row);
      resultCacheLookups.inc({ result: 'hit' });
      return row;
    }
    resultCacheLookups.inc({ result: 'expired' });
    // The results expired or were removed: forget the entry and do the work again.
    await this.events.forgetResult(userId, sha256, optionsHash);
    await this.jobs.forgetCompletedResult(userId, sha256, optionsHash);
    return null;
  }

  /** The page-tree count read for an upload, or its refusal, which deletes the upload. */
  private async declaredPages(
    storageKey: string,
    counted: PromiseSettledResult<number | null>,
  ): Promise<number | null> {
    if (counted.status === 'fulfilled') {
      if (counted.value === null)
        this.logger.log(
          `page tree of ${storageKey} not readable cheaply: the credits estimate runs the full probe`,
        );
      return counted.value;
    }
    const err: unknown = counted.reason;
    if (err instanceof DocatError && err.code === 'NOT_FOUND')
      throw new DocatError('VALIDATION_FAILED', 'the upload does not exist');
    // Refused at the door (no pages, too many): nothing is kept.
    // An upload left behind is swept by retention; the refusal is what the client must get.
    if (err instanceof DocatError && err.code.startsWith('PDF_'))
      await this.storage.delete(storageKey).catch(() => undefined);
    throw err;
  }

  private async resultsPresent(jobId: string, outputs: readonly OutputFormat[]): Promise<boolean> {
    const first = outputs.find((o) => o === 'md' || o === 'txt' || o === 'json');
    if (!first) return true;
    return (await this.storage.head(STORAGE_KEYS.result(jobId, first)).catch(() => null)) !== null;
  }
}
