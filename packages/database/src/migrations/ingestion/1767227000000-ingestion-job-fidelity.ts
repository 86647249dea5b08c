import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The numbers of a job's fidelity report (coverage, untranslated, shrunk, overflowing and
 * overlapping blocks), written when its render is done and shown in the job view. The
 * report itself is in object storage beside the results. Jobs rendered before have none.
 */
export class IngestionJobFidelity1767227000000 implements MigrationInterface {
  name = 'IngestionJobFidelity1767227000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ingestion.jobs ADD COLUMN IF NOT EXISTS fidelity jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ingestion.jobs DROP COLUMN IF EXISTS fidelity`);
  }
}
