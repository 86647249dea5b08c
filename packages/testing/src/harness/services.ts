import pg from 'pg';
import { Redis } from 'ioredis';
import { databaseUrl } from './database.js';
import { redisUrl } from './redis.js';

const PROBE_TIMEOUT_MS = 3_000;

function describe(err: unknown): string {
  if (err instanceof AggregateError) return err.errors.map(describe).join('; ');
  return err instanceof Error ? err.message || err.name : String(err);
}

/** Strips a password from a URL before it goes into an error message. */
function safeUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparsable URL)';
  }
}

async function probeRedis(url: string): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: PROBE_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // ioredis emits connection errors as events too; the promise below carries them.
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } finally {
    redis.disconnect();
  }
}

async function probePostgres(url: string): Promise<void> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: PROBE_TIMEOUT_MS,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Fails with one message naming every unreachable service, where it was looked for and
 * which variable points elsewhere, so a missing service never surfaces as a timeout.
 */
export async function checkServices(
  which: { redis?: boolean; postgres?: boolean } = {},
): Promise<void> {
  const problems: string[] = [];
  const checks: Promise<void>[] = [];
  if (which.redis ?? true) {
    const url = redisUrl();
    checks.push(
      probeRedis(url).catch((err: unknown) => {
        problems.push(
          `Redis is not reachable at ${safeUrl(url)} (${describe(err)}); start it or set REDIS_URL`,
        );
      }),
    );
  }
  if (which.postgres ?? true) {
    const url = databaseUrl();
    checks.push(
      probePostgres(url).catch((err: unknown) => {
        problems.push(
          `PostgreSQL is not reachable at ${safeUrl(url)} (${describe(err)}); start it or set DATABASE_URL`,
        );
      }),
    );
  }
  await Promise.all(checks);
  if (problems.length > 0)
    throw new Error(`Test services unavailable:\n- ${problems.join('\n- ')}`);
}
