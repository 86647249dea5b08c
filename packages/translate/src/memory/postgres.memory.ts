import type pg from 'pg';
import { z } from 'zod';
import { engineNameSchema } from '@docat/contracts';
import type { MemoryEntry, TranslationMemory } from './translation-memory.js';

/** A row of `translation.memory_entries`, parsed on read: a row of another shape is an error. */
const rowSchema = z.object({
  key: z.string().transform((k) => k.trim()),
  account_id: z.string(),
  engine: engineNameSchema,
  model: z.string(),
  source_lang: z.string(),
  target_lang: z.string(),
  glossary_id: z.string().nullable(),
  glossary_version: z.string(),
  formality: z.enum(['', 'more', 'less']),
  prompt_version: z.string(),
  source_text: z.string(),
  target_text: z.string(),
  created_at: z.date(),
});
type Row = z.output<typeof rowSchema>;

function parseRows(rows: readonly unknown[]): Row[] {
  return rows.map((row) => {
    const parsed = rowSchema.safeParse(row);
    if (!parsed.success)
      throw new Error(
        `translation.memory_entries: a row of an unexpected shape (${parsed.error.issues
          .map((i) => `${i.path.join('.')}: ${i.message}`)
          .join('; ')})`,
      );
    return parsed.data;
  });
}

const COLUMNS =
  'key, account_id, engine, model, source_lang, target_lang, glossary_id, glossary_version, formality, prompt_version, source_text, target_text, created_at';

function toEntry(row: Row): MemoryEntry {
  return {
    key: row.key,
    accountId: row.account_id,
    engine: row.engine,
    model: row.model,
    source: row.source_lang,
    target: row.target_lang,
    ...(row.glossary_id ? { glossaryId: row.glossary_id } : {}),
    ...(row.glossary_version ? { glossaryVersion: row.glossary_version } : {}),
    ...(row.formality ? { formality: row.formality } : {}),
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
    const answer = await this.pool.query(
      `SELECT ${COLUMNS} FROM translation.memory_entries WHERE key = ANY($1::text[])`,
      [[...new Set(keys)]],
    );
    return new Map(parseRows(answer.rows).map((r) => [r.key, toEntry(r)]));
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
      const answer = after
        ? await this.pool.query(
            `SELECT ${COLUMNS} FROM translation.memory_entries WHERE account_id = $1 AND (created_at, key) > ($2, $3) ORDER BY created_at, key LIMIT 1000`,
            [accountId, after.createdAt, after.key],
          )
        : await this.pool.query(
            `SELECT ${COLUMNS} FROM translation.memory_entries WHERE account_id = $1 ORDER BY created_at, key LIMIT 1000`,
            [accountId],
          );
      const rows = parseRows(answer.rows);
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
