import pg from 'pg';

export interface DatabaseProbe {
  /** Resolves when PostgreSQL answers `SELECT 1`; rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A one-connection probe of PostgreSQL for a process that owns no schema (the gateway's
 * aggregate health). The connection is opened on first use and dropped when idle, so an
 * unpolled probe costs nothing.
 */
export function createDatabaseProbe(url: string, timeoutMs = 1_500): DatabaseProbe {
  let pool: pg.Pool | undefined;
  return {
    async ping() {
      if (!pool) {
        pool = new pg.Pool({
          connectionString: url,
          max: 1,
          idleTimeoutMillis: 10_000,
          connectionTimeoutMillis: timeoutMs,
          query_timeout: timeoutMs,
          application_name: 'docat-health',
        });
        // An idle connection dropped by the server must not crash the process.
        pool.on('error', () => undefined);
      }
      await pool.query('SELECT 1');
    },
    async close() {
      const closing = pool;
      pool = undefined;
      // The pool is being replaced because it failed; closing it may fail the same way.
      await closing?.end().catch(() => undefined);
    },
  };
}
