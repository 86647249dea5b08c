import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Leases that start with the work. A dispatched step has no lease expiry until a worker
 * claims it (`holder`, a fresh id per run), and the holder's heartbeat extends it; queue
 * wait is measured from `dispatched_at` and never expires anything. `runs` counts the
 * granted claims of the chunk's current step, so a second run is visible. Workers
 * announce their capacity per queue in `step_workers`, which bounds dispatch.
 */
export class IngestionStepLeases1767227100000 implements MigrationInterface {
  name = 'IngestionStepLeases1767227100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE ingestion.job_chunks ADD COLUMN holder text, ADD COLUMN dispatched_at timestamptz, ADD COLUMN runs integer NOT NULL DEFAULT 0`,
    );
    await q.query(
      `ALTER TABLE ingestion.jobs ADD COLUMN render_holder text, ADD COLUMN render_dispatched_at timestamptz, ADD COLUMN render_runs integer NOT NULL DEFAULT 0`,
    );
    // Steps dispatched under the old rule keep their expiry: they are repaired as before.
    await q.query(
      `UPDATE ingestion.job_chunks SET dispatched_at = updated_at WHERE state = 'running'`,
    );
    await q.query(`CREATE INDEX job_chunks_step_state_idx ON ingestion.job_chunks (step, state)`);
    await q.query(`
      CREATE TABLE ingestion.step_workers (
        worker text NOT NULL,
        queue text NOT NULL,
        concurrency integer NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (worker, queue)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ingestion.step_workers`);
    await q.query(`DROP INDEX ingestion.job_chunks_step_state_idx`);
    await q.query(
      `ALTER TABLE ingestion.jobs DROP COLUMN render_holder, DROP COLUMN render_dispatched_at, DROP COLUMN render_runs`,
    );
    await q.query(
      `ALTER TABLE ingestion.job_chunks DROP COLUMN holder, DROP COLUMN dispatched_at, DROP COLUMN runs`,
    );
  }
}
