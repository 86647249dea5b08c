import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  metricsText,
  parseRedisUsedMemory,
  watchActiveUsers,
  watchDatabasePool,
  watchRedisMemory,
  type PoolStats,
} from './metrics.js';

function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('database pools are read at scrape time and drop out once closed', async () => {
  const pool: PoolStats = { totalCount: 5, idleCount: 2, waitingCount: 1 };
  let open = true;
  const unwatch = watchDatabasePool('ingestion', () => (open ? pool : undefined));
  let { body } = await metricsText();
  assert.equal(value(body, 'docat_database_pool_connections{pool="ingestion",state="in_use"}'), 3);
  assert.equal(value(body, 'docat_database_pool_connections{pool="ingestion",state="idle"}'), 2);
  assert.equal(value(body, 'docat_database_pool_waiting_requests{pool="ingestion"}'), 1);
  pool.idleCount = 5;
  pool.waitingCount = 0;
  ({ body } = await metricsText());
  assert.equal(value(body, 'docat_database_pool_connections{pool="ingestion",state="in_use"}'), 0);
  open = false;
  ({ body } = await metricsText());
  assert.equal(
    value(body, 'docat_database_pool_connections{pool="ingestion",state="idle"}'),
    undefined,
  );
  unwatch();
});

test('Redis memory comes from INFO memory, read at most once per period, a failed read keeping the last value', async () => {
  assert.equal(
    parseRedisUsedMemory('# Memory\r\nused_memory:1048576\r\nused_memory_human:1.00M\r\n'),
    1_048_576,
  );
  assert.throws(() => parseRedisUsedMemory('# Memory\r\n'), /used_memory/);
  let reads = 0;
  let fail = false;
  const unwatch = watchRedisMemory(
    'main',
    async () => {
      reads += 1;
      if (fail) throw new Error('connection lost');
      return `used_memory:${reads * 1000}\r\n`;
      // A period long enough that two scrapes on a busy machine still fall inside it.
    },
    1_000,
  );
  let { body } = await metricsText();
  assert.equal(value(body, 'docat_redis_memory_used_bytes{redis="main"}'), 1000);
  ({ body } = await metricsText());
  assert.equal(reads, 1, 'a second scrape within the period reads nothing');
  assert.equal(value(body, 'docat_redis_memory_used_bytes{redis="main"}'), 1000);
  await new Promise((r) => setTimeout(r, 1_100));
  fail = true;
  ({ body } = await metricsText());
  assert.equal(reads, 2);
  assert.equal(
    value(body, 'docat_redis_memory_used_bytes{redis="main"}'),
    1000,
    'the last value stays',
  );
  unwatch();
  ({ body } = await metricsText());
  assert.equal(value(body, 'docat_redis_memory_used_bytes{redis="main"}'), undefined);
});

test('active users are reported only by the process that counts them', async () => {
  let { body } = await metricsText();
  assert.equal(
    value(body, 'docat_active_users{period="day"}'),
    undefined,
    'no series without a source',
  );
  const unwatch = watchActiveUsers(async () => 7);
  ({ body } = await metricsText());
  assert.equal(value(body, 'docat_active_users{period="day"}'), 7);
  unwatch();
});
