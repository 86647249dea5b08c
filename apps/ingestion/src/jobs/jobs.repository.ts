import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { parseRows, queryReplica, rowsOf } from '@docat/database';
import { activeTraceparent } from '@docat/service-kit';
import { z } from 'zod';
import type { ChunkRange } from '@docat/pipeline';
import {
  uuidv7Time,
  type CreditEstimate,
  type FidelitySummary,
  type JobProgress,
  type JobStage,
  type JobState,
  type JobWarning,
} from '@docat/contracts';
import { INGESTION_DB } from '../ingestion.tokens.js';
import { jobRowSchema, type JobRow, type StoredOptions } from './job.row.js';

export type Db = DataSource | EntityManager;

/** History filters: a state, and a substring of the file name. */
export interface JobListFilter {
  state?: JobState;
  q?: string;
}

export interface NewJob {
  id: string;
  userId: string;
  state: JobState;
  stage: JobStage;
  fileName: string;
  fileBytes: number;
  sha256: string;
  sourceKey: string;
  options: StoredOptions;
  passwordSecret: string | null;
  progress: JobProgress;
  cached?: {
    resultsJobId: string;
    pageCount: number | null;
    warnings: JobWarning[];
    detectedLanguage: string | null;
    fidelity?: FidelitySummary | null;
  };
  /** Warnings known at creation (a cached job takes its source's). */
  warnings?: JobWarning[];
}

export interface JobPatch {
  state?: JobState;
  stage?: JobStage;
  progress?: JobProgress;
  page_count?: number;
  chunk_count?: number;
  billed_characters?: number;
  warnings?: JobWarning[];
  error_code?: string | null;
  error_message?: string | null;
  render_lease?: number;
  render_state?: 'running' | 'done' | null;
  render_lease_expires_at?: Date | null;
  render_holder?: string | null;
  render_dispatched_at?: Date | null;
  render_runs?: number;
  detected_language?: string | null;
  fidelity?: FidelitySummary;
  completed_at?: Date;
  password_secret?: null;
}

const JSON_COLUMNS = new Set(['progress', 'warnings', 'fidelity']);

/**
 * The sequence number of a job's first event. A new row is inserted with it, so the event
 * announcing the job is numbered without a statement of its own (see
 * `JobEventsPublisher.prepareFirst`); every later event takes the next one.
 */
export const FIRST_EVENT_SEQ = 1;

/** A new job's row, `jobInsertValues` giving its parameters ($1 to $20). */
const JOB_INSERT = `INSERT INTO ingestion.jobs
  (id, created_at, user_id, state, stage, file_name, file_bytes, sha256, source_key, options, password_secret,
   progress, cached, results_job_id, page_count, warnings, detected_language, completed_at, fidelity, traceparent, updated_at,
   event_seq)
  VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20, now(), ${FIRST_EVENT_SEQ})`;

function jobInsertValues(job: NewJob): unknown[] {
  const createdAt = new Date(uuidv7Time(job.id));
  const now = job.cached ? new Date() : null;
  return [
    job.id,
    createdAt,
    job.userId,
    job.state,
    job.stage,
    job.fileName,
    job.fileBytes,
    job.sha256,
    job.sourceKey,
    JSON.stringify(job.options),
    job.passwordSecret,
    JSON.stringify(job.progress),
    Boolean(job.cached),
    job.cached?.resultsJobId ?? null,
    job.cached?.pageCount ?? null,
    JSON.stringify(job.cached?.warnings ?? job.warnings ?? []),
    job.cached?.detectedLanguage ?? null,
    now,
    job.cached?.fidelity ? JSON.stringify(job.cached.fidelity) : null,
    activeTraceparent() ?? null,
  ];
}

/** The jobs table (monthly partitions) and the unpartitioned uniqueness tables beside it. */
@Injectable()
export class JobsRepository {
  constructor(@Inject(INGESTION_DB) readonly db: DataSource) {}

  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction('READ COMMITTED', work);
  }

  async insert(job: NewJob, db: Db = this.db): Promise<JobRow> {
    const rows = parseRows(
      'ingestion.jobs',
      jobRowSchema,
      await db.query(`${JOB_INSERT} RETURNING *`, jobInsertValues(job)),
    );
    return rows[0]!;
  }

  /**
   * A new queued job with what its transaction used to write beside it, in one statement:
   * the job, its first chunk (the extraction step the dispatcher picks up) and, when
   * credits are on, its billing row. One statement is atomic on its own, so nothing needs
   * a transaction: one round trip instead of five (begin, three inserts, commit), which is
   * what a burst of uploads waits for while the pool's connections are held. The chunk and
   * billing rows are the ones `ChunksRepository.insert` and `BillingRepository.insert`
   * write (same columns, same conflict rules); the tables have no foreign keys, and the rows
   * take the job's id, owner and creation time from the job's own insert.
   */
  async insertQueued(
    job: NewJob,
    first: ChunkRange,
    billing: { reserved: number; estimate: CreditEstimate } | null,
    db: Db = this.db,
  ): Promise<JobRow> {
    const values = jobInsertValues(job);
    const at = values.length;
    values.push(first.chunk, first.pageFrom, first.pageTo);
    if (billing) values.push(billing.reserved, JSON.stringify(billing.estimate));
    const rows = parseRows(
      'ingestion.jobs',
      jobRowSchema,
      await db.query(
        `WITH job AS (${JOB_INSERT} RETURNING *),
         chunk AS (
           INSERT INTO ingestion.job_chunks (job_id, chunk, user_id, page_from, page_to, step, state)
           SELECT id, $${at + 1}::integer, user_id, $${at + 2}::integer, $${at + 3}::integer, 'extract', 'pending' FROM job
           ON CONFLICT (job_id, chunk) DO NOTHING
         )${
           billing
             ? `,
         billing AS (
           INSERT INTO ingestion.job_billing (job_id, job_created_at, user_id, reserved, estimate)
           SELECT id, created_at, user_id, $${at + 4}::bigint, $${at + 5}::jsonb FROM job
           ON CONFLICT (job_id) DO NOTHING
         )`
             : ''
         }
         SELECT * FROM job`,
        values,
      ),
    );
    return rows[0]!;
  }

  /** By id; the creation time is the id's own timestamp, so only one partition is read. */
  async find(id: string, db: Db = this.db, lock = false): Promise<JobRow | null> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id))
      return null;
    const rows = parseRows(
      'ingestion.jobs',
      jobRowSchema,
      await db.query(
        `SELECT * FROM ingestion.jobs WHERE id = $1 AND created_at = $2${lock ? ' FOR UPDATE' : ''}`,
        [id, new Date(uuidv7Time(id))],
      ),
    );
    return rows[0] ?? null;
  }

  /**
   * History listing: read from a replica when DATABASE_REPLICA_URLS names one (a job
   * created a moment ago may show up a moment later). The job view stays on the
   * primary, since a client polls it right after its upload and must see its job.
   */
  async list(
    userId: string,
    limit: number,
    before?: { createdAt: string; id: string },
    filter: JobListFilter = {},
  ): Promise<JobRow[]> {
    const where = ['user_id = $1'];
    const params: unknown[] = [userId];
    if (before) {
      params.push(before.createdAt, before.id);
      where.push(
        `(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`,
      );
    }
    if (filter.state) {
      params.push(filter.state);
      where.push(`state = $${params.length}`);
    }
    if (filter.q) {
      // A substring, not a pattern: LIKE's wildcards in the search are matched literally.
      params.push(`%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      where.push(`file_name ILIKE $${params.length}`);
    }
    params.push(limit);
    return queryReplica(
      this.db,
      'ingestion.jobs',
      jobRowSchema,
      `SELECT * FROM ingestion.jobs WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
  }

  async update(row: JobRow, patch: JobPatch, db: Db): Promise<JobRow> {
    const entries = Object.entries(patch).filter(([, v]) => v !== undefined);
    const sets = entries.map(([column], i) => `${column} = $${i + 3}`);
    const values = entries.map(([column, value]) =>
      JSON_COLUMNS.has(column) ? JSON.stringify(value) : value,
    );
    const rows = parseRows(
      'ingestion.jobs',
      jobRowSchema,
      await db.query(
        `UPDATE ingestion.jobs SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE id = $1 AND created_at = $2 RETURNING *`,
        [row.id, row.created_at, ...values],
      ),
    );
    return rows[0]!;
  }

  /** Next event sequence number of a job (inside the transaction that changed it). */
  async nextEventSeq(row: JobRow, db: Db): Promise<number> {
    const rows = parseRows(
      'ingestion.jobs',
      z.object({ event_seq: z.number() }),
      await db.query(
        `UPDATE ingestion.jobs SET event_seq = event_seq + 1 WHERE id = $1 AND created_at = $2 RETURNING event_seq`,
        [row.id, row.created_at],
      ),
    );
    return rows[0]!.event_seq;
  }

  async findIdempotencyKey(
    userId: string,
    key: string,
  ): Promise<{ request_hash: string; job_id: string } | null> {
    const rows = parseRows(
      'ingestion.jobs',
      z.object({ request_hash: z.string(), job_id: z.string() }),
      await this.db.query(
        `SELECT request_hash, job_id FROM ingestion.idempotency_keys WHERE user_id = $1 AND key = $2`,
        [userId, key],
      ),
    );
    return rows[0] ?? null;
  }

  /** Records the key; false when another request recorded it first. */
  async insertIdempotencyKey(
    userId: string,
    key: string,
    requestHash: string,
    job: JobRow,
    db: Db,
  ): Promise<boolean> {
    const rows = rowsOf(
      await db.query(
        `INSERT INTO ingestion.idempotency_keys (user_id, key, request_hash, job_id, job_created_at) VALUES ($1,$2,$3,$4,$5)
       ON CONFLICT DO NOTHING RETURNING job_id`,
        [userId, key, requestHash, job.id, job.created_at],
      ),
    );
    return rows.length === 1;
  }

  async findCompletedResult(
    userId: string,
    sha256: string,
    optionsHash: string,
  ): Promise<string | null> {
    const rows = parseRows(
      'ingestion.jobs',
      z.object({ job_id: z.string() }),
      await this.db.query(
        `SELECT job_id FROM ingestion.result_dedupe WHERE user_id = $1 AND sha256 = $2 AND options_hash = $3`,
        [userId, sha256, optionsHash],
      ),
    );
    return rows[0]?.job_id ?? null;
  }

  async recordCompletedResult(
    userId: string,
    sha256: string,
    optionsHash: string,
    job: JobRow,
    db: Db,
  ): Promise<void> {
    await db.query(
      `INSERT INTO ingestion.result_dedupe (user_id, sha256, options_hash, job_id, job_created_at) VALUES ($1,$2,$3,$4,$5)
       ON CONFLICT (user_id, sha256, options_hash) DO UPDATE SET job_id = EXCLUDED.job_id, job_created_at = EXCLUDED.job_created_at, created_at = now()`,
      [userId, sha256, optionsHash, job.id, job.created_at],
    );
  }

  async forgetCompletedResult(userId: string, sha256: string, optionsHash: string): Promise<void> {
    await this.db.query(
      `DELETE FROM ingestion.result_dedupe WHERE user_id = $1 AND sha256 = $2 AND options_hash = $3`,
      [userId, sha256, optionsHash],
    );
  }

  /** Partitions for the month of `at` and the next one. */
  async ensurePartitions(at: Date = new Date()): Promise<void> {
    const next = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));
    await this.db.query(
      `SELECT ingestion.ensure_job_partition($1::date), ingestion.ensure_job_partition($2::date)`,
      [at.toISOString().slice(0, 10), next.toISOString().slice(0, 10)],
    );
  }

  /** Non-terminal jobs whose render step was claimed and whose holder stopped heartbeating. */
  async expiredRenders(now: Date): Promise<JobRow[]> {
    return parseRows(
      'ingestion.jobs',
      jobRowSchema,
      await this.db.query(
        `SELECT * FROM ingestion.jobs WHERE state = 'processing' AND render_state = 'running' AND render_holder IS NOT NULL AND render_lease_expires_at < $1 LIMIT 100`,
        [now],
      ),
    );
  }

  /** Render steps dispatched `olderThanMs` ago that no worker claimed. */
  async unclaimedRenders(olderThanMs: number): Promise<JobRow[]> {
    return parseRows(
      'ingestion.jobs',
      jobRowSchema,
      await this.db.query(
        `SELECT * FROM ingestion.jobs WHERE state = 'processing' AND render_state = 'running' AND render_holder IS NULL
         AND render_dispatched_at < now() - ($1 || ' milliseconds')::interval LIMIT 100`,
        [String(olderThanMs)],
      ),
    );
  }

  /** The render step's lease for `holder` (see ChunksRepository.claim for the rule). */
  async claimRender(
    jobId: string,
    createdAt: Date,
    lease: number,
    holder: string,
    leaseMs: number,
  ): Promise<JobRow | null> {
    const rows = parseRows(
      'ingestion.jobs',
      jobRowSchema,
      await this.db.query(
        `UPDATE ingestion.jobs SET render_holder = $4, render_lease_expires_at = now() + ($5 || ' milliseconds')::interval,
         render_runs = render_runs + CASE WHEN render_holder IS DISTINCT FROM $4 THEN 1 ELSE 0 END
       WHERE id = $1 AND created_at = $2 AND state = 'processing' AND render_state = 'running' AND render_lease = $3
         AND (render_holder IS NULL OR render_holder = $4 OR render_lease_expires_at < now())
       RETURNING *`,
        [jobId, createdAt, lease, holder, String(leaseMs)],
      ),
    );
    return rows[0] ?? null;
  }

  async renderHeartbeat(
    jobId: string,
    createdAt: Date,
    lease: number,
    holder: string,
    leaseMs: number,
  ): Promise<boolean> {
    const rows = rowsOf(
      await this.db.query(
        `UPDATE ingestion.jobs SET render_lease_expires_at = now() + ($5 || ' milliseconds')::interval
       WHERE id = $1 AND created_at = $2 AND state = 'processing' AND render_state = 'running' AND render_lease = $3 AND render_holder = $4
       RETURNING 1`,
        [jobId, createdAt, lease, holder, String(leaseMs)],
      ),
    );
    return rows.length > 0;
  }
}
