import { join } from 'node:path';

/** The embedded PostgreSQL's folder inside a standalone data folder (its cluster in `pgdata/`). */
export function embeddedDatabaseDir(dataDir: string): string {
  return join(dataDir, 'database');
}

/** The database the services' schemas live in. */
export const EMBEDDED_DATABASE_NAME = 'docat';
