import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A job's engine is decided once, at creation, and stored in its options. Jobs created
 * before that left `engine` out when the upload named none, and every step then ran them
 * on pseudo: that is what they were translated with, so it is what their record says.
 */
export class IngestionJobEngine1767226600000 implements MigrationInterface {
  name = 'IngestionJobEngine1767226600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE ingestion.jobs SET options = options || '{"engine":"pseudo"}'::jsonb WHERE NOT (options ? 'engine')`,
    );
  }

  async down(): Promise<void> {
    // Nothing to undo: the value written is the one every step assumed.
  }
}
