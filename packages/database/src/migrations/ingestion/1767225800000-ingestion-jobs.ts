import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The ingestion schema. `jobs` is the processing log, range-partitioned by month from
 * the start (its primary key includes `created_at`, which is the time encoded in the
 * job's UUIDv7 id, so a lookup by id prunes to one partition). Uniqueness that must
 * hold across partitions lives in the unpartitioned `idempotency_keys` and
 * `result_dedupe` tables. Partitions for the current and next month are created here
 * by the ingestion service at boot and every six hours.
 */
export class IngestionJobs1767225800000 implements MigrationInterface {
  name = 'IngestionJobs1767225800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ingestion.jobs (
        id uuid NOT NULL,
        created_at timestamptz NOT NULL,
        user_id text NOT NULL,
        state text NOT NULL,
        stage text NOT NULL,
        file_name text NOT NULL,
        file_bytes bigint NOT NULL,
        sha256 text,
        source_key text NOT NULL,
        options jsonb NOT NULL,
        password_secret text,
        page_count integer,
        chunk_count integer,
        billed_characters bigint NOT NULL DEFAULT 0,
        cached boolean NOT NULL DEFAULT false,
        results_job_id uuid,
        warnings jsonb NOT NULL DEFAULT '[]',
        error_code text,
        error_message text,
        progress jsonb NOT NULL DEFAULT '{"percent":0,"stages":{}}',
        render_lease integer NOT NULL DEFAULT 0,
        render_state text,
        render_lease_expires_at timestamptz,
        event_seq integer NOT NULL DEFAULT 0,
        detected_language text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        PRIMARY KEY (id, created_at)
      ) PARTITION BY RANGE (created_at)`);
    await q.query(
      `CREATE INDEX jobs_user_created_idx ON ingestion.jobs (user_id, created_at DESC, id DESC)`,
    );
    await q.query(`CREATE INDEX jobs_state_created_idx ON ingestion.jobs (state, created_at)`);
    await q.query(`
      CREATE OR REPLACE FUNCTION ingestion.ensure_job_partition(month date) RETURNS void
      LANGUAGE plpgsql AS $$
      DECLARE
        start_at date := date_trunc('month', month)::date;
        end_at date := (date_trunc('month', month) + interval '1 month')::date;
        part text := 'jobs_' || to_char(start_at, 'YYYY_MM');
      BEGIN
        EXECUTE format(
          'CREATE TABLE IF NOT EXISTS ingestion.%I PARTITION OF ingestion.jobs FOR VALUES FROM (%L) TO (%L)',
          part, start_at, end_at);
      END $$`);
    await q.query(`SELECT ingestion.ensure_job_partition(now()::date)`);
    await q.query(`SELECT ingestion.ensure_job_partition((now() + interval '1 month')::date)`);

    await q.query(`
      CREATE TABLE ingestion.idempotency_keys (
        user_id text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        job_id uuid NOT NULL,
        job_created_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, key)
      )`);
    await q.query(`
      CREATE TABLE ingestion.result_dedupe (
        user_id text NOT NULL,
        sha256 text NOT NULL,
        options_hash text NOT NULL,
        job_id uuid NOT NULL,
        job_created_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, sha256, options_hash)
      )`);
    await q.query(`
      CREATE TABLE ingestion.job_chunks (
        job_id uuid NOT NULL,
        chunk integer NOT NULL,
        user_id text NOT NULL,
        page_from integer NOT NULL,
        page_to integer NOT NULL,
        step text NOT NULL,
        state text NOT NULL,
        lease integer NOT NULL DEFAULT 0,
        lease_expires_at timestamptz,
        billed_characters bigint NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (job_id, chunk)
      )`);
    await q.query(
      `CREATE INDEX job_chunks_user_state_idx ON ingestion.job_chunks (user_id, state)`,
    );
    await q.query(
      `CREATE INDEX job_chunks_lease_idx ON ingestion.job_chunks (lease_expires_at) WHERE state = 'running'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ingestion.job_chunks`);
    await q.query(`DROP TABLE ingestion.result_dedupe`);
    await q.query(`DROP TABLE ingestion.idempotency_keys`);
    await q.query(`DROP TABLE ingestion.jobs`);
    await q.query(`DROP FUNCTION ingestion.ensure_job_partition(date)`);
  }
}
