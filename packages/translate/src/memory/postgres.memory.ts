import type pg from 'pg';
import type { MemoryEntry, TranslationMemory } from './translation-memory.js';

interface Row {
  key: string;
  account_id: string;
  engine: string;
  model: string;
  source_lang: string;
  target_lang: string;
  glossary_id: string | null;
  glossary_version: string;
  formality: string;
  prompt_version: string;
  source_text: string;
  target_text: string;
  created_at: Date;
}

const COLUMNS =
  'key, account_id, engine, model, source_lang, target_lang, glossary_id, glossary_version, formality, prompt_version, source_text, target_text, created_at';

function toEntry(row: Row): MemoryEntry {
  return {
    key: row.key,
    accountId: row.account_id,
    engine: row.engine as MemoryEntry['engine'],
    model: row.model,
    source: row.source_lang,
    target: row.target_lang,
    ...(row.glossary_id ? { glossaryId: row.glossary_id } : {}),
    ...(row.glossary_version ? { glossaryVersion: row.glossary_version } : {}),
    ...(row.formality ? { formality: row.formality as MemoryEntry['formality'] } : {}),
    ...(row.prompt_version ? { promptVersion: row.prompt_version } : {}),
    sourceText: row.source_text,
    targetText: row.target_text,
    createdAt: row.created_at,
  };
}

/**
 * Translation memory in PostgreSQL (the cluster database, or the embedded one in standalone
 * mode), in `translation.memory_entries` as the committed migrations create it.
 */
export class PostgresTranslationMemory implements TranslationMemory {
  constructor(private readonly pool: pg.Pool) {}

  async getMany(keys: readonly string[]): Promise<Map<string, MemoryEntry>> {
    if (keys.length === 0) return new Map();
    const { rows } = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM translation.memory_entries WHERE key = ANY($1::text[])`,
      [[...new Set(keys)]],
    );
    return new Map(rows.map((r) => [r.key.trim(), toEntry({ ...r, key: r.key.trim() })]));
  }

  async putMany(entries: readonly MemoryEntry[]): Promise<void> {
    // One row per key: ON CONFLICT cannot touch the same row twice in one statement.
    const unique = [...new Map(entries.map((e) => [e.key, e])).values()];
    for (let i = 0; i < unique.length; i += 500) {
      const chunk = unique.slice(i, i + 500);
      const col = <K extends keyof MemoryEntry>(k: K, fallback = ''): (string | null)[] =>
        chunk.map((e) =>
          e[k] === undefined ? (k === 'glossaryId' ? null : fallback) : String(e[k]),
        );
      await this.pool.query(
        `INSERT INTO translation.memory_entries (key, account_id, engine, model, source_lang, target_lang, glossary_id, glossary_version, formality, prompt_version, source_text, target_text)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])
         ON CONFLICT (key) DO UPDATE SET target_text = EXCLUDED.target_text, glossary_id = EXCLUDED.glossary_id, updated_at = now()`,
        [
          col('key'),
          col('accountId'),
          col('engine'),
          col('model'),
          col('source'),
          col('target'),
          col('glossaryId'),
          col('glossaryVersion'),
          col('formality'),
          col('promptVersion'),
          col('sourceText'),
          col('targetText'),
        ],
      );
    }
  }

  async purge(filter: { accountId: string; glossaryId?: string }): Promise<number> {
    const result =
      filter.glossaryId === undefined
        ? await this.pool.query('DELETE FROM translation.memory_entries WHERE account_id = $1', [
            filter.accountId,
          ])
        : await this.pool.query(
            'DELETE FROM translation.memory_entries WHERE account_id = $1 AND glossary_id = $2',
            [filter.accountId, filter.glossaryId],
          );
    return result.rowCount ?? 0;
  }

  async *list(accountId: string): AsyncIterable<MemoryEntry> {
    let after: { createdAt: Date; key: string } | undefined;
    for (;;) {
      const { rows } = after
        ? await this.pool.query<Row>(
            `SELECT ${COLUMNS} FROM translation.memory_entries WHERE account_id = $1 AND (created_at, key) > ($2, $3) ORDER BY created_at, key LIMIT 1000`,
            [accountId, after.createdAt, after.key],
          )
        : await this.pool.query<Row>(
            `SELECT ${COLUMNS} FROM translation.memory_entries WHERE account_id = $1 ORDER BY created_at, key LIMIT 1000`,
            [accountId],
          );
      for (const row of rows) yield toEntry(row);
      if (rows.length < 1000) return;
      const last = rows[rows.length - 1]!;
      after = { createdAt: last.created_at, key: last.key };
    }
  }

  async close(): Promise<void> {
    // The pool belongs to the caller.
  }
}
