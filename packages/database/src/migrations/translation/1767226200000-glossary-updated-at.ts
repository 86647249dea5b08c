import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Glossaries can be edited: `updated_at` says when the name, languages or terms last changed. */
export class TranslationGlossaryUpdatedAt1767226200000 implements MigrationInterface {
  name = 'TranslationGlossaryUpdatedAt1767226200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE translation.glossaries ADD COLUMN updated_at timestamptz');
    await queryRunner.query('UPDATE translation.glossaries SET updated_at = created_at');
    await queryRunner.query('ALTER TABLE translation.glossaries ALTER COLUMN updated_at SET NOT NULL, ALTER COLUMN updated_at SET DEFAULT now()');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE translation.glossaries DROP COLUMN updated_at');
  }
}
