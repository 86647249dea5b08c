import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Job event logs on PostgreSQL, for standalone mode (cluster mode keeps them in Redis
 * Streams): a restart loses no event, so a client resumes its SSE stream after it.
 * `event_logs` holds each log's last seq and expiry; an expired log reads as empty and
 * is swept later.
 */
export class NotificationEventLog1767225900000 implements MigrationInterface {
  name = 'NotificationEventLog1767225900000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "notification"."event_logs" (
        "log" text PRIMARY KEY,
        "last_seq" bigint NOT NULL,
        "expires_at" timestamptz NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX "event_logs_expires_at" ON "notification"."event_logs" ("expires_at")`,
    );
    await queryRunner.query(`
      CREATE TABLE "notification"."event_log_entries" (
        "log" text NOT NULL REFERENCES "notification"."event_logs" ("log") ON DELETE CASCADE,
        "seq" bigint NOT NULL,
        "payload" text NOT NULL,
        PRIMARY KEY ("log", "seq")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE "notification"."event_log_entries"');
    await queryRunner.query('DROP TABLE "notification"."event_logs"');
  }
}
