import { Inject, Injectable } from '@nestjs/common';
import { uuidv7, type GlossaryDetail, type GlossaryView } from '@docat/contracts';
import type { Glossary, GlossaryEntry } from '@docat/translate';
import { TRANSLATION_POOL, type TranslationPool } from '../translate/translation-engine.providers.js';

interface Row {
  id: string;
  name: string;
  source_lang: string;
  target_lang: string;
  version: string;
  entry_count: number;
  created_at: Date;
}

interface DetailRow extends Row {
  entries: GlossaryEntry[];
}

const VIEW_COLUMNS = 'id, name, source_lang, target_lang, version, entry_count, created_at';

function view(row: Row): GlossaryView {
  return {
    id: row.id,
    name: row.name,
    sourceLanguage: row.source_lang,
    targetLanguage: row.target_lang,
    entryCount: row.entry_count,
    version: row.version,
    createdAt: row.created_at.toISOString(),
  };
}

/** `translation.glossaries`: every query names the account, so another account's glossary does not exist. */
@Injectable()
export class GlossariesRepository {
  constructor(@Inject(TRANSLATION_POOL) private readonly pool: TranslationPool) {}

  async create(accountId: string, name: string, glossary: Glossary): Promise<GlossaryView> {
    const { rows } = await this.pool.query<Row>(
      `INSERT INTO translation.glossaries (id, account_id, name, source_lang, target_lang, version, entries, entry_count)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8) RETURNING ${VIEW_COLUMNS}`,
      [uuidv7(), accountId, name, glossary.source, glossary.target, glossary.version, JSON.stringify(glossary.entries), glossary.entries.length],
    );
    return view(rows[0]!);
  }

  async list(accountId: string): Promise<GlossaryView[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT ${VIEW_COLUMNS} FROM translation.glossaries WHERE account_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1000`,
      [accountId],
    );
    return rows.map(view);
  }

  async get(accountId: string, id: string): Promise<GlossaryDetail | undefined> {
    const { rows } = await this.pool.query<DetailRow>(`SELECT ${VIEW_COLUMNS}, entries FROM translation.glossaries WHERE account_id = $1 AND id = $2`, [accountId, id]);
    const row = rows[0];
    return row ? { ...view(row), entries: row.entries } : undefined;
  }

  async delete(accountId: string, id: string): Promise<boolean> {
    const result = await this.pool.query('DELETE FROM translation.glossaries WHERE account_id = $1 AND id = $2', [accountId, id]);
    return (result.rowCount ?? 0) > 0;
  }
}
