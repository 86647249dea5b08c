import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhooks: account endpoints (secret encrypted under DOCAT_ENCRYPTION_KEY, recoverable
 * to sign), each account's signing secret for per-job webhook URLs, the per-job URLs,
 * and the delivery log. A delivery is unique per (job, event, target), so an event
 * that arrives twice is delivered once.
 */
export class NotificationWebhooks1767226000000 implements MigrationInterface {
  name = 'NotificationWebhooks1767226000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "notification"."webhook_endpoints" (
        "id" uuid PRIMARY KEY,
        "user_id" text NOT NULL,
        "url" text NOT NULL,
        "events" text[] NOT NULL,
        "description" text,
        "secret_enc" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "deleted_at" timestamptz
      )`);
    await queryRunner.query(
      `CREATE INDEX "webhook_endpoints_user" ON "notification"."webhook_endpoints" ("user_id") WHERE "deleted_at" IS NULL`,
    );
    await queryRunner.query(`
      CREATE TABLE "notification"."signing_secrets" (
        "user_id" text PRIMARY KEY,
        "secret_enc" text NOT NULL,
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE "notification"."job_webhooks" (
        "job_id" text PRIMARY KEY,
        "user_id" text NOT NULL,
        "url" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE "notification"."webhook_deliveries" (
        "id" uuid PRIMARY KEY,
        "user_id" text NOT NULL,
        "endpoint_id" uuid REFERENCES "notification"."webhook_endpoints" ("id") ON DELETE CASCADE,
        "target" text NOT NULL,
        "job_id" text NOT NULL,
        "event" text NOT NULL,
        "url" text NOT NULL,
        "body" text NOT NULL,
        "state" text NOT NULL,
        "attempts" integer NOT NULL DEFAULT 0,
        "redeliveries" integer NOT NULL DEFAULT 0,
        "last_status" integer,
        "last_error" text,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        UNIQUE ("job_id", "event", "target")
      )`);
    await queryRunner.query(
      `CREATE INDEX "webhook_deliveries_endpoint" ON "notification"."webhook_deliveries" ("endpoint_id", "created_at" DESC)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE "notification"."webhook_deliveries"');
    await queryRunner.query('DROP TABLE "notification"."job_webhooks"');
    await queryRunner.query('DROP TABLE "notification"."signing_secrets"');
    await queryRunner.query('DROP TABLE "notification"."webhook_endpoints"');
  }
}
