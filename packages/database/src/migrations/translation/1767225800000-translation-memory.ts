import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The translation memory: one row per (account, engine, model, languages, glossary
 * version, output-changing options, normalized segment), addressed by the SHA-256 `key`
 * the translate package computes. Private to each account; erased with it.
 */
export class TranslationMemory1767225800000 implements MigrationInterface {
  name = 'TranslationMemory1767225800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE translation.memory_entries (
        key              char(64)    PRIMARY KEY,
        account_id       text        NOT NULL,
        engine           text        NOT NULL,
        model            text        NOT NULL,
        source_lang      text        NOT NULL,
        target_lang      text        NOT NULL,
        glossary_id      text,
        glossary_version text        NOT NULL DEFAULT '',
        formality        text        NOT NULL DEFAULT '',
        prompt_version   text        NOT NULL DEFAULT '',
        source_text      text        NOT NULL,
        target_text      text        NOT NULL,
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      'CREATE INDEX memory_entries_account_idx ON translation.memory_entries (account_id, created_at, key)',
    );
    await queryRunner.query(
      'CREATE INDEX memory_entries_glossary_idx ON translation.memory_entries (account_id, glossary_id) WHERE glossary_id IS NOT NULL',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE translation.memory_entries');
  }
}
