import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The translation schema's first migration: the table recording which version of Docat last
 * migrated the schema, read by the version guard at start.
 */
export class TranslationBaseline1767225600000 implements MigrationInterface {
  name = 'TranslationBaseline1767225600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "translation"."docat_schema_version" (
        "id" boolean PRIMARY KEY DEFAULT true CHECK ("id"),
        "version" bigint NOT NULL,
        "migration" text NOT NULL,
        "app_version" text NOT NULL,
        "migrated_at" timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE "translation"."docat_schema_version"');
  }
}
