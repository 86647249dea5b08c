import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { INGESTION_DB } from '../ingestion.tokens.js';
import { parseRows, rowsOf } from '@docat/database';
import { chunkRowSchema, type ChunkRow } from '../jobs/job.row.js';
import type { Db } from '../jobs/jobs.repository.js';
import type { ChunkRange } from '@docat/pipeline';
import type { ChunkStep, StaleStepReason } from '@docat/contracts';
import { z } from 'zod';

/** A claim or heartbeat of one run of a chunk step. */
export interface StepLeaseRef {
  jobId: string;
  chunk: number;
  step: ChunkStep;
  lease: number;
  holder: string;
}

/** In-flight (dispatched or claimed) steps of one job. */
const inFlightSchema = z.object({ user_id: z.string(), job_id: z.string(), n: z.number() });
export type InFlight = z.output<typeof inFlightSchema>;

/** `job_chunks`: one row per (job, chunk) with the step it is at and that step's state and lease. */
@Injectable()
export class ChunksRepository {
  constructor(@Inject(INGESTION_DB) private readonly db: DataSource) {}

  async insert(
    jobId: string,
    userId: string,
    chunks: readonly ChunkRange[],
    db: Db,
  ): Promise<void> {
    if (chunks.length === 0) return;
    const values: unknown[] = [];
    const tuples = chunks.map((c, i) => {
      values.push(jobId, c.chunk, userId, c.pageFrom, c.pageTo);
      const b = i * 5;
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, 'extract', 'pending')`;
    });
    await db.query(
      `INSERT INTO ingestion.job_chunks (job_id, chunk, user_id, page_from, page_to, step, state) VALUES ${tuples.join(', ')}
       ON CONFLICT (job_id, chunk) DO NOTHING`,
      values,
    );
  }

  async forJob(jobId: string, db: Db = this.db, lock = false): Promise<ChunkRow[]> {
    return parseRows(
      'ingestion.job_chunks',
      chunkRowSchema,
      await db.query(
        `SELECT * FROM ingestion.job_chunks WHERE job_id = $1 ORDER BY chunk${lock ? ' FOR UPDATE' : ''}`,
        [jobId],
      ),
    );
  }

  async setPages(
    jobId: string,
    chunk: number,
    pageFrom: number,
    pageTo: number,
    db: Db,
  ): Promise<void> {
    await db.query(
      `UPDATE ingestion.job_chunks SET page_from = $3, page_to = $4 WHERE job_id = $1 AND chunk = $2`,
      [jobId, chunk, pageFrom, pageTo],
    );
  }

  async advance(
    jobId: string,
    chunk: number,
    to: { step: ChunkRow['step']; state: ChunkRow['state']; billed?: number },
    db: Db,
  ): Promise<void> {
    await db.query(
      `UPDATE ingestion.job_chunks SET step = $3, state = $4, billed_characters = billed_characters + $5, lease_expires_at = NULL,
         holder = NULL, dispatched_at = NULL, runs = 0, updated_at = now()
       WHERE job_id = $1 AND chunk = $2`,
      [jobId, chunk, to.step, to.state, to.billed ?? 0],
    );
  }

  async cancelOpen(jobId: string, db: Db): Promise<void> {
    await db.query(
      `UPDATE ingestion.job_chunks SET state = 'cancelled', updated_at = now() WHERE job_id = $1 AND state IN ('pending', 'running')`,
      [jobId],
    );
  }

  /** Dispatched or claimed steps at `step`, per job. */
  async inFlight(step: ChunkStep, db: Db): Promise<InFlight[]> {
    return parseRows(
      'ingestion.job_chunks',
      inFlightSchema,
      await db.query(
        `SELECT user_id, job_id, count(*)::int AS n FROM ingestion.job_chunks WHERE step = $1 AND state = 'running' GROUP BY user_id, job_id`,
        [step],
      ),
    );
  }

  /** Each user's oldest `perUser` pending steps at `step`, oldest job first. */
  async pendingAt(step: ChunkStep, perUser: number, db: Db): Promise<ChunkRow[]> {
    return parseRows(
      'ingestion.job_chunks',
      chunkRowSchema,
      await db.query(
        `SELECT * FROM (
         SELECT *, row_number() OVER (PARTITION BY user_id ORDER BY job_id, chunk) AS rank
         FROM ingestion.job_chunks WHERE step = $1 AND state = 'pending'
       ) ranked WHERE rank <= $2 ORDER BY job_id, chunk`,
        [step, perUser],
      ),
    );
  }

  /**
   * Puts steps in flight: pending ones (`reissue` false) or running ones whose lease
   * lapsed (`reissue` true: the next lease). No expiry until a worker claims the step.
   */
  async markDispatched(rows: readonly ChunkRow[], db: Db, reissue = false): Promise<ChunkRow[]> {
    const out: ChunkRow[] = [];
    for (const row of rows) {
      const updated = parseRows(
        'ingestion.job_chunks',
        chunkRowSchema,
        await db.query(
          `UPDATE ingestion.job_chunks SET state = 'running', lease = lease + $3, lease_expires_at = NULL, holder = NULL, dispatched_at = now(), updated_at = now()
         WHERE job_id = $1 AND chunk = $2 AND step = $4 AND state = $5 RETURNING *`,
          [row.job_id, row.chunk, reissue ? 1 : 0, row.step, reissue ? 'running' : 'pending'],
        ),
      );
      if (updated[0]) out.push(updated[0]);
    }
    return out;
  }

  /**
   * Grants the step's lease to `holder` when the step is still dispatched under this
   * lease and nobody else holds a live lease on it: the first claim, a repeated claim of
   * the same run, or a take-over after the previous holder's heartbeat stopped.
   */
  async claim(ref: StepLeaseRef, leaseMs: number): Promise<ChunkRow | null> {
    const rows = parseRows(
      'ingestion.job_chunks',
      chunkRowSchema,
      await this.db.query(
        `UPDATE ingestion.job_chunks SET holder = $5, lease_expires_at = now() + ($6 || ' milliseconds')::interval,
         runs = runs + CASE WHEN holder IS DISTINCT FROM $5 THEN 1 ELSE 0 END, updated_at = now()
       WHERE job_id = $1 AND chunk = $2 AND step = $3 AND lease = $4 AND state = 'running'
         AND (holder IS NULL OR holder = $5 OR lease_expires_at < now())
       RETURNING *`,
        [ref.jobId, ref.chunk, ref.step, ref.lease, ref.holder, String(leaseMs)],
      ),
    );
    return rows[0] ?? null;
  }

  /** Extends the lease of the run that holds it; false once it is no longer that run's. */
  async heartbeat(ref: StepLeaseRef, leaseMs: number): Promise<boolean> {
    const rows = rowsOf(
      await this.db.query(
        `UPDATE ingestion.job_chunks SET lease_expires_at = now() + ($6 || ' milliseconds')::interval
       WHERE job_id = $1 AND chunk = $2 AND step = $3 AND lease = $4 AND state = 'running' AND holder = $5
       RETURNING 1`,
        [ref.jobId, ref.chunk, ref.step, ref.lease, ref.holder, String(leaseMs)],
      ),
    );
    return rows.length > 0;
  }

  /** Why a claim or heartbeat of `ref` was refused. */
  async refusal(ref: StepLeaseRef): Promise<StaleStepReason> {
    const rows = parseRows(
      'ingestion.job_chunks',
      chunkRowSchema.pick({ step: true, state: true, lease: true }),
      await this.db.query(
        `SELECT step, state, lease FROM ingestion.job_chunks WHERE job_id = $1 AND chunk = $2`,
        [ref.jobId, ref.chunk],
      ),
    );
    const row = rows[0];
    if (!row || row.step !== ref.step || row.state !== 'running') return 'finished';
    if (row.lease !== ref.lease) return 'superseded';
    return 'held';
  }

  /** Claimed steps whose holder stopped heartbeating. Steps still waiting in a queue never expire. */
  async expired(now: Date, limit = 100): Promise<ChunkRow[]> {
    return parseRows(
      'ingestion.job_chunks',
      chunkRowSchema,
      await this.db.query(
        `SELECT * FROM ingestion.job_chunks WHERE state = 'running' AND holder IS NOT NULL AND lease_expires_at < $1 ORDER BY lease_expires_at LIMIT $2`,
        [now, limit],
      ),
    );
  }

  /** Dispatched steps no worker has claimed for `olderThanMs` (their queue entry may have been lost). */
  async unclaimed(olderThanMs: number, limit = 100): Promise<ChunkRow[]> {
    return parseRows(
      'ingestion.job_chunks',
      chunkRowSchema,
      await this.db.query(
        `SELECT * FROM ingestion.job_chunks WHERE state = 'running' AND holder IS NULL AND dispatched_at < now() - ($1 || ' milliseconds')::interval
       ORDER BY dispatched_at LIMIT $2`,
        [String(olderThanMs), limit],
      ),
    );
  }

  /** Whether any step waits to be dispatched (dispatch candidates after a restart or a missed event). */
  async anyPending(): Promise<boolean> {
    const rows = rowsOf(
      await this.db.query(`SELECT 1 FROM ingestion.job_chunks WHERE state = 'pending' LIMIT 1`),
    );
    return rows.length > 0;
  }

  /** Records (or, with concurrency 0, removes) a worker's announced capacity on a queue. */
  async announceWorker(
    worker: string,
    queue: string,
    concurrency: number,
    ttlMs: number,
  ): Promise<void> {
    if (concurrency === 0) {
      await this.db.query(`DELETE FROM ingestion.step_workers WHERE worker = $1 AND queue = $2`, [
        worker,
        queue,
      ]);
      return;
    }
    await this.db.query(
      `INSERT INTO ingestion.step_workers (worker, queue, concurrency, expires_at) VALUES ($1, $2, $3, now() + ($4 || ' milliseconds')::interval)
       ON CONFLICT (worker, queue) DO UPDATE SET concurrency = EXCLUDED.concurrency, expires_at = EXCLUDED.expires_at`,
      [worker, queue, concurrency, String(ttlMs)],
    );
  }

  /** Steps the live workers run at once, per queue; forgets announcements that lapsed. */
  async capacity(db: Db = this.db): Promise<Map<string, number>> {
    await db.query(
      `DELETE FROM ingestion.step_workers WHERE expires_at < now() - interval '1 hour'`,
    );
    const rows = parseRows(
      'ingestion.job_chunks',
      z.object({ queue: z.string(), n: z.number() }),
      await db.query(
        `SELECT queue, sum(concurrency)::int AS n FROM ingestion.step_workers WHERE expires_at > now() GROUP BY queue`,
      ),
    );
    return new Map(rows.map((r) => [r.queue, r.n]));
  }
}
