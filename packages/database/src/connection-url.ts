import type { DataSource } from 'typeorm';
import type { z } from 'zod';
import { parseRows } from './rows.js';

/**
 * Adds a CA file to a PostgreSQL URL as libpq does (`sslrootcert=`), and asks for full
 * verification (`sslmode=verify-full`: the chain and the host name) unless the URL
 * already names an sslmode. node-postgres reads both from the URL, so every consumer
 * (TypeORM pools, the migrator, health probes) gets the same TLS from one string.
 */
export function withSslRootCert(url: string, caFile: string | undefined): string {
  if (!caFile) return url;
  const parsed = new URL(url);
  if (!parsed.searchParams.has('sslrootcert')) parsed.searchParams.set('sslrootcert', caFile);
  if (!parsed.searchParams.has('sslmode')) parsed.searchParams.set('sslmode', 'verify-full');
  return parsed.toString();
}

/**
 * Runs a read-only query on a read replica when the data source has any (TypeORM
 * replication, `DATABASE_REPLICA_URLS`), else on the primary. For reads that tolerate
 * replication lag (history listings, usage reports), never for a read that must see the
 * caller's own write. The rows are parsed with `schema`, as `queryRows` parses them.
 */
export async function queryReplica<S extends z.ZodType>(
  source: DataSource,
  table: string,
  schema: S,
  sql: string,
  params: unknown[] = [],
): Promise<z.output<S>[]> {
  const runner = source.createQueryRunner('slave');
  try {
    return parseRows(table, schema, await runner.query(sql, params));
  } finally {
    await runner.release();
  }
}
