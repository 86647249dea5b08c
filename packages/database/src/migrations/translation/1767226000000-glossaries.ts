import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Glossaries: term pairs for one language pair, private to the account that uploaded
 * them. `version` is the content hash the translate package computes; it is part of
 * translation memory keys, so a changed glossary never reuses old translations.
 */
export class TranslationGlossaries1767226000000 implements MigrationInterface {
  name = 'TranslationGlossaries1767226000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE translation.glossaries (
        id          text        PRIMARY KEY,
        account_id  text        NOT NULL,
        name        text        NOT NULL,
        source_lang text        NOT NULL,
        target_lang text        NOT NULL,
        version     text        NOT NULL,
        entries     jsonb       NOT NULL,
        entry_count integer     NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      'CREATE INDEX glossaries_account_idx ON translation.glossaries (account_id, created_at DESC, id)',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE translation.glossaries');
  }
}
