import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { INGESTION_DB } from '../ingestion.tokens.js';
import { z } from 'zod';
import { parseRows, rowsOf } from '@docat/database';

/** A job as the sweeps handle it: its key (the partition key included) and whether its files are gone. */
const jobRefSchema = z.object({ id: z.string(), created_at: z.date() });
export type JobRef = z.output<typeof jobRefSchema>;

/** A monthly partition of the jobs table, from its name (`jobs_YYYY_MM`). */
export interface JobPartition {
  name: string;
  from: Date;
  to: Date;
}

const PARTITION_NAME = /^jobs_(\d{4})_(\d{2})$/;

/** Arrays of ids and creation times, so every statement prunes to the jobs' partitions. */
function keys(jobs: readonly JobRef[]): [string[], Date[]] {
  return [jobs.map((j) => j.id), jobs.map((j) => j.created_at)];
}

const JOB_KEYS = `SELECT * FROM unnest($1::uuid[], $2::timestamptz[]) AS k(id, created_at)`;

/** The retention sweeps' reads and deletes in the ingestion schema. */
@Injectable()
export class RetentionRepository {
  constructor(@Inject(INGESTION_DB) private readonly db: DataSource) {}

  /** Source keys of the jobs still being worked on (few: read by the state index). */
  async sourceKeysInUse(): Promise<Set<string>> {
    const rows = parseRows(
      'ingestion.jobs',
      z.object({ source_key: z.string() }),
      await this.db.query(
        `SELECT source_key FROM ingestion.jobs WHERE state IN ('queued', 'processing')`,
      ),
    );
    return new Set(rows.map((r) => r.source_key));
  }

  /**
   * Finished jobs whose files are due: finished before `before`, files still stored, and
   * no job answered from their results (result cache) finished since, oldest first.
   */
  async filesDue(before: Date, limit: number): Promise<JobRef[]> {
    return parseRows(
      'ingestion.jobs',
      jobRefSchema,
      await this.db.query(
        `SELECT j.id, j.created_at FROM ingestion.jobs j
        WHERE j.files_deleted_at IS NULL AND j.state IN ('completed', 'failed', 'cancelled')
          AND COALESCE(j.completed_at, j.updated_at) < $1
          AND NOT EXISTS (
            SELECT 1 FROM ingestion.jobs c
             WHERE c.results_job_id = j.id AND COALESCE(c.completed_at, c.updated_at) >= $1)
        ORDER BY COALESCE(j.completed_at, j.updated_at)
        LIMIT $2`,
        [before, limit],
      ),
    );
  }

  /**
   * Records that the jobs' files are gone: the dedupe entries that would answer a new
   * upload from them go, and so do their chunk records, which only served processing.
   */
  async markFilesDeleted(jobs: readonly JobRef[], at: Date): Promise<void> {
    if (jobs.length === 0) return;
    const [ids, created] = keys(jobs);
    await this.db.transaction(async (tx) => {
      await tx.query(
        `UPDATE ingestion.jobs j SET files_deleted_at = $3 FROM (${JOB_KEYS}) k WHERE j.id = k.id AND j.created_at = k.created_at`,
        [ids, created, at],
      );
      await tx.query(`DELETE FROM ingestion.result_dedupe WHERE job_id = ANY($1::uuid[])`, [ids]);
      await tx.query(`DELETE FROM ingestion.job_chunks WHERE job_id = ANY($1::uuid[])`, [ids]);
    });
  }

  /** Whether a job with its files still stored was answered from this job's results. */
  async resultsReadBy(jobId: string): Promise<boolean> {
    const rows = rowsOf(
      await this.db.query(
        `SELECT 1 FROM ingestion.jobs WHERE results_job_id = $1 AND files_deleted_at IS NULL LIMIT 1`,
        [jobId],
      ),
    );
    return rows.length > 0;
  }

  /** Whether any job record still names this upload. */
  async sourceKeyUsed(key: string): Promise<boolean> {
    const rows = rowsOf(
      await this.db.query(`SELECT 1 FROM ingestion.jobs WHERE source_key = $1 LIMIT 1`, [key]),
    );
    return rows.length > 0;
  }

  /**
   * Of these results owners (`results_job_id`s), those whose own record is gone (deleted by
   * its owner) and that no job with files still stored reads: their files can go.
   */
  async orphanedResults(ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = parseRows(
      'ingestion.jobs',
      z.object({ id: z.string() }),
      await this.db.query(
        `SELECT r.id FROM unnest($1::uuid[]) AS r(id)
        WHERE NOT EXISTS (SELECT 1 FROM ingestion.jobs o WHERE o.id = r.id)
          AND NOT EXISTS (SELECT 1 FROM ingestion.jobs j WHERE j.results_job_id = r.id AND j.files_deleted_at IS NULL)`,
        [[...new Set(ids)]],
      ),
    );
    return rows.map((r) => r.id);
  }

  /** The results owners these jobs were answered from, if any. */
  async resultsOwners(jobs: readonly JobRef[]): Promise<string[]> {
    if (jobs.length === 0) return [];
    const [ids, created] = keys(jobs);
    const rows = parseRows(
      'ingestion.jobs',
      z.object({ id: z.string() }),
      await this.db.query(
        `SELECT DISTINCT j.results_job_id AS id FROM ingestion.jobs j JOIN (${JOB_KEYS}) k ON j.id = k.id AND j.created_at = k.created_at
        WHERE j.results_job_id IS NOT NULL`,
        [ids, created],
      ),
    );
    return rows.map((r) => r.id);
  }

  /** Jobs created before `before` (any state), oldest first, with whether their files still exist. */
  async createdBefore(before: Date, limit: number): Promise<(JobRef & { files: boolean })[]> {
    return parseRows(
      'ingestion.jobs',
      jobRefSchema.extend({ files: z.boolean() }),
      await this.db.query(
        `SELECT id, created_at, files_deleted_at IS NULL AS files FROM ingestion.jobs WHERE created_at < $1 ORDER BY created_at LIMIT $2`,
        [before, limit],
      ),
    );
  }

  /** Deletes job records and what hangs off them (keys, dedupe entries, chunks, closed billing rows). */
  async deleteJobs(jobs: readonly JobRef[]): Promise<void> {
    if (jobs.length === 0) return;
    const [ids, created] = keys(jobs);
    await this.db.transaction(async (tx) => {
      await this.deleteSatellites(tx, ids);
      await tx.query(
        `DELETE FROM ingestion.jobs j USING (${JOB_KEYS}) k WHERE j.id = k.id AND j.created_at = k.created_at`,
        [ids, created],
      );
    });
  }

  private async deleteSatellites(tx: EntityManager, ids: string[]): Promise<void> {
    await tx.query(`DELETE FROM ingestion.job_chunks WHERE job_id = ANY($1::uuid[])`, [ids]);
    await tx.query(`DELETE FROM ingestion.idempotency_keys WHERE job_id = ANY($1::uuid[])`, [ids]);
    await tx.query(`DELETE FROM ingestion.result_dedupe WHERE job_id = ANY($1::uuid[])`, [ids]);
    // Billing rows still open are the billing sweep's to close first.
    if (await this.hasTable(tx, 'job_billing')) {
      await tx.query(
        `DELETE FROM ingestion.job_billing WHERE job_id = ANY($1::uuid[]) AND state <> 'open'`,
        [ids],
      );
    }
  }

  private async hasTable(tx: EntityManager, table: string): Promise<boolean> {
    const rows = parseRows(
      'ingestion.jobs',
      z.object({ present: z.boolean() }),
      await tx.query(`SELECT to_regclass($1) IS NOT NULL AS present`, [`ingestion.${table}`]),
    );
    return rows[0]?.present === true;
  }

  /** The monthly partitions of the jobs table, oldest first (others, if any, are left alone). */
  async partitions(): Promise<JobPartition[]> {
    const rows = parseRows(
      'ingestion.jobs',
      z.object({ name: z.string() }),
      await this.db.query(
        `SELECT c.relname AS name FROM pg_inherits i
         JOIN pg_class c ON c.oid = i.inhrelid
         JOIN pg_class p ON p.oid = i.inhparent
         JOIN pg_namespace n ON n.oid = p.relnamespace
        WHERE n.nspname = 'ingestion' AND p.relname = 'jobs'`,
      ),
    );
    const out: JobPartition[] = [];
    for (const { name } of rows) {
      const match = PARTITION_NAME.exec(name);
      if (!match) continue;
      const year = Number(match[1]);
      const month = Number(match[2]) - 1;
      out.push({
        name,
        from: new Date(Date.UTC(year, month, 1)),
        to: new Date(Date.UTC(year, month + 1, 1)),
      });
    }
    return out.sort((a, b) => a.from.getTime() - b.from.getTime());
  }

  /** Jobs of one partition whose files are still stored. */
  async withFilesIn(partition: JobPartition, limit: number): Promise<JobRef[]> {
    if (!PARTITION_NAME.test(partition.name))
      throw new RangeError(`not a jobs partition: ${partition.name}`);
    return parseRows(
      'ingestion.jobs',
      jobRefSchema,
      await this.db.query(
        `SELECT id, created_at FROM ingestion.${partition.name} WHERE files_deleted_at IS NULL LIMIT $1`,
        [limit],
      ),
    );
  }

  /** Drops a whole month of job records, after what refers to its jobs. */
  async dropPartition(partition: JobPartition): Promise<number> {
    if (!PARTITION_NAME.test(partition.name))
      throw new RangeError(`not a jobs partition: ${partition.name}`);
    return this.db.transaction(async (tx) => {
      const rows = parseRows(
        'ingestion.jobs',
        z.object({ id: z.string() }),
        await tx.query(`SELECT id FROM ingestion.${partition.name}`),
      );
      const ids = rows.map((r) => r.id);
      if (ids.length > 0) await this.deleteSatellites(tx, ids);
      await tx.query(`DROP TABLE ingestion.${partition.name}`);
      return ids.length;
    });
  }

  /** Creates the partition of the month containing `month` if missing. */
  async ensurePartition(month: Date): Promise<void> {
    await this.db.query(`SELECT ingestion.ensure_job_partition($1::date)`, [
      month.toISOString().slice(0, 10),
    ]);
  }
}
