import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retention bookkeeping: `files_deleted_at` marks a finished job whose stored files
 * (upload, chunk results, outputs) the retention sweep removed, so the sweep finds the
 * next ones by index and the API can say the result expired. Job records themselves go
 * with their monthly partition (or row by row in the partition that straddles the limit).
 */
export class IngestionRetention1767226400000 implements MigrationInterface {
  name = 'IngestionRetention1767226400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE ingestion.jobs ADD COLUMN IF NOT EXISTS files_deleted_at timestamptz`,
    );
    // A finished job's files fall due by the time it finished (completed_at, or its last
    // update for failed and cancelled jobs).
    await q.query(
      `CREATE INDEX IF NOT EXISTS jobs_files_due_idx ON ingestion.jobs ((COALESCE(completed_at, updated_at)))
        WHERE files_deleted_at IS NULL AND state IN ('completed', 'failed', 'cancelled')`,
    );
    // Jobs answered from the result cache point at the job whose files they share.
    await q.query(
      `CREATE INDEX IF NOT EXISTS jobs_results_job_idx ON ingestion.jobs (results_job_id) WHERE results_job_id IS NOT NULL`,
    );
    // Rows that refer to a job are deleted with it, found by job id.
    await q.query(
      `CREATE INDEX IF NOT EXISTS result_dedupe_job_idx ON ingestion.result_dedupe (job_id)`,
    );
    await q.query(
      `CREATE INDEX IF NOT EXISTS idempotency_keys_job_idx ON ingestion.idempotency_keys (job_id)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS ingestion.idempotency_keys_job_idx`);
    await q.query(`DROP INDEX IF EXISTS ingestion.result_dedupe_job_idx`);
    await q.query(`DROP INDEX IF EXISTS ingestion.jobs_results_job_idx`);
    await q.query(`DROP INDEX IF EXISTS ingestion.jobs_files_due_idx`);
    await q.query(`ALTER TABLE ingestion.jobs DROP COLUMN IF EXISTS files_deleted_at`);
  }
}
