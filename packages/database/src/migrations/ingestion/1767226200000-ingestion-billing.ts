import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Billing state of each job that reserved credits. A row is written with the job, in
 * the same transaction, after auth accepted the reservation; when the job ends the
 * reservation is settled or released over RPC and the row is closed. Rows still open
 * for a finished job (a crash between the job's end and the RPC) are found and closed
 * by the billing sweep; auth ignores the repeat if the first call did arrive.
 */
export class IngestionBilling1767226200000 implements MigrationInterface {
  name = 'IngestionBilling1767226200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ingestion.job_billing (
        job_id uuid PRIMARY KEY,
        job_created_at timestamptz NOT NULL,
        user_id text NOT NULL,
        reserved bigint NOT NULL,
        estimate jsonb NOT NULL,
        state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'settled', 'released')),
        charged bigint,
        attempts integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        closed_at timestamptz
      )`);
    await q.query(
      `CREATE INDEX job_billing_open_idx ON ingestion.job_billing (created_at) WHERE state = 'open'`,
    );
    await q.query(`CREATE INDEX job_billing_user_idx ON ingestion.job_billing (user_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ingestion.job_billing`);
  }
}
