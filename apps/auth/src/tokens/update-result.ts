/**
 * TypeORM's PostgreSQL driver answers `UPDATE`/`DELETE` queries with `[rows, rowCount]`
 * and every other query with the rows alone. This reads the rows of an
 * `UPDATE ... RETURNING` or `DELETE ... RETURNING`.
 */
export function returnedRows<T>(result: unknown): T[] {
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return result as T[];
}

/** The number of rows an `UPDATE` or `DELETE` touched. */
export function affectedCount(result: unknown): number {
  if (Array.isArray(result) && result.length === 2 && typeof result[1] === 'number')
    return result[1];
  return 0;
}
