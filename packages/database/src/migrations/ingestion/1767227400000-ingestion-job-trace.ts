import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The trace a job was created in (W3C `traceparent`), so every step the orchestrator
 * issues for it, from whichever pass or timer, joins that trace. Null when tracing is off.
 */
export class IngestionJobTrace1767227400000 implements MigrationInterface {
  name = 'IngestionJobTrace1767227400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ingestion.jobs ADD COLUMN traceparent text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ingestion.jobs DROP COLUMN traceparent`);
  }
}
