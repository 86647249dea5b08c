import type { z } from 'zod';

/** What runs SQL: a TypeORM DataSource, EntityManager or QueryRunner. */
export interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/** A row that does not have the shape its table's schema says: a bug or a missed migration. */
export class RowShapeError extends Error {
  constructor(
    readonly table: string,
    readonly issues: { path: string; message: string }[],
  ) {
    super(
      `a ${table} row does not match its schema: ` +
        issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '),
    );
    this.name = 'RowShapeError';
  }
}

/**
 * The rows of a raw query's answer. TypeORM answers a SELECT or INSERT with the rows, an
 * UPDATE or DELETE with `[rows, affected]`; a row is always an object, never an array.
 */
export function rowsOf(answer: unknown): unknown[] {
  if (!Array.isArray(answer)) throw new TypeError('a query answered no rows');
  if (answer.length === 2 && Array.isArray(answer[0]) && typeof answer[1] === 'number')
    return answer[0] as unknown[];
  return answer;
}

/** Each row of a query's answer parsed with its table's row schema: typed values, JSON columns checked. */
export function parseRows<S extends z.ZodType>(
  table: string,
  schema: S,
  answer: unknown,
): z.output<S>[] {
  return rowsOf(answer).map((row) => {
    const parsed = schema.safeParse(row);
    if (parsed.success) return parsed.data;
    throw new RowShapeError(
      table,
      parsed.error.issues.map((issue) => ({
        path: issue.path.map(String).join('.'),
        message: issue.message,
      })),
    );
  });
}

/** Runs `sql` and parses every row it answers with `schema` (see `parseRows`). */
export async function queryRows<S extends z.ZodType>(
  db: Queryable,
  table: string,
  schema: S,
  sql: string,
  params: unknown[] = [],
): Promise<z.output<S>[]> {
  return parseRows(table, schema, await db.query(sql, params));
}

/** How many rows an UPDATE or DELETE touched (TypeORM answers them as `[rows, affected]`). */
export function affectedCount(answer: unknown): number {
  if (Array.isArray(answer) && answer.length === 2 && typeof answer[1] === 'number')
    return answer[1];
  return 0;
}
