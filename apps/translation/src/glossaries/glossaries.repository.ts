import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import { parseRows } from '@docat/database';
import { uuidv7, type GlossaryDetail, type GlossaryView } from '@docat/contracts';
import type { Glossary } from '@docat/translate';
import {
  TRANSLATION_POOL,
  type TranslationPool,
} from '../translate/translation-engine.providers.js';

/** A row of `translation.glossaries` without its entries, parsed on read. */
const rowSchema = z.object({
  id: z.string(),
  name: z.string(),
  source_lang: z.string(),
  target_lang: z.string(),
  version: z.string(),
  entry_count: z.number(),
  created_at: z.date(),
  updated_at: z.date(),
});
type Row = z.output<typeof rowSchema>;

/** With its entries (a JSON column). */
const detailRowSchema = rowSchema.extend({
  entries: z.array(z.object({ term: z.string(), translation: z.string() })),
});
const TABLE = 'translation.glossaries';

const VIEW_COLUMNS =
  'id, name, source_lang, target_lang, version, entry_count, created_at, updated_at';

function view(row: Row): GlossaryView {
  return {
    id: row.id,
    name: row.name,
    sourceLanguage: row.source_lang,
    targetLanguage: row.target_lang,
    entryCount: row.entry_count,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** `translation.glossaries`: every query names the account, so another account's glossary does not exist. */
@Injectable()
export class GlossariesRepository {
  constructor(@Inject(TRANSLATION_POOL) private readonly pool: TranslationPool) {}

  async create(accountId: string, name: string, glossary: Glossary): Promise<GlossaryView> {
    const rows = parseRows(
      TABLE,
      rowSchema,
      (
        await this.pool.query(
          `INSERT INTO translation.glossaries (id, account_id, name, source_lang, target_lang, version, entries, entry_count)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8) RETURNING ${VIEW_COLUMNS}`,
          [
            uuidv7(),
            accountId,
            name,
            glossary.source,
            glossary.target,
            glossary.version,
            JSON.stringify(glossary.entries),
            glossary.entries.length,
          ],
        )
      ).rows,
    );
    return view(rows[0]!);
  }

  async list(accountId: string): Promise<GlossaryView[]> {
    const rows = parseRows(
      TABLE,
      rowSchema,
      (
        await this.pool.query(
          `SELECT ${VIEW_COLUMNS} FROM translation.glossaries WHERE account_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1000`,
          [accountId],
        )
      ).rows,
    );
    return rows.map(view);
  }

  async get(accountId: string, id: string): Promise<GlossaryDetail | undefined> {
    const rows = parseRows(
      TABLE,
      detailRowSchema,
      (
        await this.pool.query(
          `SELECT ${VIEW_COLUMNS}, entries FROM translation.glossaries WHERE account_id = $1 AND id = $2`,
          [accountId, id],
        )
      ).rows,
    );
    const row = rows[0];
    return row ? { ...view(row), entries: row.entries } : undefined;
  }

  /**
   * Replaces the name and the content (pair, entries, version) in one statement; an
   * unchanged glossary keeps its `updated_at`. Undefined when the account has no such glossary.
   */
  async update(
    accountId: string,
    id: string,
    name: string,
    glossary: Glossary,
  ): Promise<GlossaryView | undefined> {
    const rows = parseRows(
      TABLE,
      rowSchema,
      (
        await this.pool.query(
          `UPDATE translation.glossaries
          SET name = $3, source_lang = $4, target_lang = $5, version = $6, entries = $7::jsonb, entry_count = $8,
              updated_at = CASE WHEN name = $3 AND version = $6 THEN updated_at ELSE now() END
        WHERE account_id = $1 AND id = $2
        RETURNING ${VIEW_COLUMNS}`,
          [
            accountId,
            id,
            name,
            glossary.source,
            glossary.target,
            glossary.version,
            JSON.stringify(glossary.entries),
            glossary.entries.length,
          ],
        )
      ).rows,
    );
    return rows[0] ? view(rows[0]) : undefined;
  }

  async delete(accountId: string, id: string): Promise<boolean> {
    const result = await this.pool.query(
      'DELETE FROM translation.glossaries WHERE account_id = $1 AND id = $2',
      [accountId, id],
    );
    return (result.rowCount ?? 0) > 0;
  }
}
