import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { databaseUrl } from './database.js';
import type { FreshRedisPrefix } from './redis.js';
import type { S3TestServer } from './s3-server.js';

export interface ServiceEnvOptions {
  mode: 'cluster' | 'standalone';
  dataDir: string;
  /** Default `info`. */
  logLevel?: string;
  /** Cluster mode: the database (default: `DATABASE_URL`, else the local test database). */
  databaseUrl?: string;
  /** Cluster mode: Redis with a key prefix of the test's own. */
  redis?: FreshRedisPrefix;
  /** Cluster mode: the S3 test server, or `fs` for a folder under `dataDir`. */
  storage?: S3TestServer | 'fs';
}

/**
 * The environment of a service a test starts, as a process (`spawnService`, the cluster and
 * standalone targets) or in the test's own process (`loadConfig(serviceEnv(…))`). Layers
 * given after the options override it in order. Cluster mode gets a fresh encryption key;
 * standalone mode generates its own into the data folder.
 */
export function serviceEnv(opts: ServiceEnvOptions, ...layers: Readonly<Record<string, string>>[]): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmpdir(),
    NODE_ENV: 'test',
    LOG_LEVEL: opts.logLevel ?? 'info',
    DOCAT_MODE: opts.mode,
    DOCAT_DATA_DIR: opts.dataDir,
  };
  if (opts.mode === 'cluster') {
    env.DATABASE_URL = opts.databaseUrl ?? databaseUrl();
    env.DOCAT_ENCRYPTION_KEY = randomBytes(32).toString('base64');
  }
  if (opts.redis) {
    env.REDIS_URL = opts.redis.url;
    env.REDIS_KEY_PREFIX = opts.redis.prefix.replace(/:$/, '');
  }
  if (opts.storage === 'fs') env.STORAGE_DRIVER = 'fs';
  else if (opts.storage) {
    Object.assign(env, {
      STORAGE_DRIVER: 's3',
      S3_ENDPOINT: opts.storage.endpoint,
      S3_BUCKET: opts.storage.bucket,
      S3_REGION: opts.storage.region,
      S3_ACCESS_KEY_ID: opts.storage.accessKeyId,
      S3_SECRET_ACCESS_KEY: opts.storage.secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
    });
  }
  for (const layer of layers) Object.assign(env, layer);
  if (process.env.CI) env.CI = process.env.CI;
  return env;
}
