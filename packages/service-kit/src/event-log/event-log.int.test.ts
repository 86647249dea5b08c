import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { MIGRATIONS } from '@docat/database';
import {
  freshDatabase,
  freshRedisPrefix,
  requireTools,
  type FreshDatabase,
  type FreshRedisPrefix,
} from '@docat/testing';
import { openDataSource } from '../data-source.js';
import type { EventLogEntry, EventLogPort } from './event-log.port.js';
import { MemoryEventLog } from './memory.event-log.js';
import { PostgresEventLog } from './postgres.event-log.js';
import { EVENT_LOG_SHARDS, RedisEventLog, eventLogShard } from './redis.event-log.js';

const OPTS = { maxLen: 1_000, ttlMs: 60_000 };

/** Resolves once `count` entries arrived. */
function collect(
  log: EventLogPort,
  name: string,
  afterSeq: number,
  count: number,
): { entries: EventLogEntry[]; done: Promise<void>; close(): void } {
  const entries: EventLogEntry[] = [];
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  const follow = log.follow(name, afterSeq, (entry) => {
    entries.push(entry);
    if (entries.length === count) resolve();
  });
  if (count === 0) resolve();
  return { entries, done, close: () => follow.close() };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>(
      (_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms)),
    ),
  ]);
}

async function appendRange(
  log: EventLogPort,
  name: string,
  from: number,
  to: number,
): Promise<void> {
  for (let seq = from; seq <= to; seq++) await log.append(name, seq, `e${seq}`, OPTS);
}

function sharedBehaviour(make: () => EventLogPort): void {
  let log: EventLogPort;
  before(() => {
    log = make();
  });
  after(async () => {
    await log.close();
  });

  test('a follow replays what is stored after its seq, then follows live, each entry once and in order', async () => {
    await appendRange(log, 'a', 1, 5);
    const late = collect(log, 'a', 2, 6);
    await appendRange(log, 'a', 6, 7);
    await appendRange(log, 'a', 5, 7); // redelivered entries are not stored twice
    await appendRange(log, 'a', 8, 8);
    await within(late.done, 5_000, 'replay + live');
    late.close();
    assert.deepEqual(
      late.entries.map((e) => e.seq),
      [3, 4, 5, 6, 7, 8],
    );
    assert.deepEqual(
      late.entries.map((e) => e.payload),
      ['e3', 'e4', 'e5', 'e6', 'e7', 'e8'],
    );
  });

  test('a newcomer behind an existing follower of the same log is caught up, not skipped', async () => {
    await appendRange(log, 'b', 1, 3);
    const first = collect(log, 'b', 3, 2);
    await new Promise((r) => setTimeout(r, 50));
    const second = collect(log, 'b', 0, 5);
    await appendRange(log, 'b', 4, 5);
    await within(Promise.all([first.done, second.done]), 5_000, 'both followers');
    first.close();
    second.close();
    assert.deepEqual(
      first.entries.map((e) => e.seq),
      [4, 5],
    );
    assert.deepEqual(
      second.entries.map((e) => e.seq),
      [1, 2, 3, 4, 5],
    );
  });

  test('a closed follow receives nothing more', async () => {
    const got = collect(log, 'c', 0, 1);
    await appendRange(log, 'c', 1, 1);
    await within(got.done, 5_000, 'first entry');
    got.close();
    await appendRange(log, 'c', 2, 3);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(
      got.entries.map((e) => e.seq),
      [1],
    );
  });
}

describe('MemoryEventLog follow', () => {
  sharedBehaviour(() => new MemoryEventLog());
});

describe('RedisEventLog follow', () => {
  let redis: FreshRedisPrefix;
  before(() => {
    redis = freshRedisPrefix();
  });
  after(async () => {
    await redis.cleanup();
  });
  sharedBehaviour(
    () =>
      new RedisEventLog(redis.url, `${redis.prefix}shared`, {
        connectionName: `${redis.prefix.replace(/:/g, '-')}shared`,
        blockMs: 2_000,
      }),
  );

  test('a follow of a new log interrupts the blocked shared read instead of waiting it out', async () => {
    const log = new RedisEventLog(redis.url, `${redis.prefix}wake`, { blockMs: 10_000 });
    try {
      const idle = log.follow('idle', 0, () => undefined);
      await new Promise((r) => setTimeout(r, 200)); // the reader is now blocked on 'idle' alone
      await appendRange(log, 'late', 1, 2);
      const started = Date.now();
      const late = collect(log, 'late', 0, 2);
      await within(late.done, 5_000, 'late follow');
      assert.ok(Date.now() - started < 1_000, `took ${Date.now() - started} ms`);
      late.close();
      idle.close();
    } finally {
      await log.close();
    }
  });

  test('500 concurrent followers over 50 logs use at most two Redis connections', async () => {
    const name = `docat-test-fanout-${randomBytes(4).toString('hex')}`;
    const log = new RedisEventLog(redis.url, `${redis.prefix}fanout`, {
      connectionName: name,
      blockMs: 2_000,
    });
    const probe = new Redis(redis.url);
    try {
      const followers = Array.from({ length: 500 }, (_, i) => ({
        log: `job-${i % 50}`,
        got: collect(log, `job-${i % 50}`, 0, 3),
      }));
      for (let j = 0; j < 50; j++) await appendRange(log, `job-${j}`, 1, 3);
      await within(Promise.all(followers.map((f) => f.got.done)), 15_000, '500 followers');
      for (const f of followers)
        assert.deepEqual(
          f.got.entries.map((e) => e.seq),
          [1, 2, 3],
        );

      const list = String(await probe.call('CLIENT', 'LIST'));
      const mine = list.split('\n').filter((line) => line.includes(` name=${name} `));
      assert.ok(
        mine.length >= 1 && mine.length <= 2,
        `expected 1-2 connections named ${name}, found ${mine.length}`,
      );
      for (const f of followers) f.got.close();
    } finally {
      await log.close();
      await probe.quit();
    }
  });
});

/** Three empty masters on free ports joined into a Redis Cluster, in a temporary folder. */
async function startRedisCluster(): Promise<{ ports: number[]; stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'docat-redis-cluster-'));
  const ports: number[] = [];
  for (let i = 0; i < 3; i++) {
    ports.push(
      await new Promise<number>((resolve, reject) => {
        const probe = createServer();
        probe.once('error', reject);
        probe.listen(0, '127.0.0.1', () => {
          const port = (probe.address() as { port: number }).port;
          probe.close(() => resolve(port));
        });
      }),
    );
  }
  const servers: ChildProcess[] = ports.map((port) =>
    spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, `nodes-${port}.conf`),
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      { stdio: 'ignore' },
    ),
  );
  const stop = async (): Promise<void> => {
    await Promise.all(
      servers.map(
        (child) =>
          new Promise<void>((resolve) =>
            child.exitCode !== null
              ? resolve()
              : (child.once('exit', () => resolve()), child.kill('SIGTERM')),
          ),
      ),
    );
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      const deadline = Date.now() + 10_000;
      while (
        spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() !==
        'PONG'
      ) {
        if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not start`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const created = spawnSync(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { encoding: 'utf8' },
    );
    if (created.status !== 0)
      throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    const deadline = Date.now() + 15_000;
    while (
      !spawnSync('redis-cli', ['-p', String(ports[0]), 'cluster', 'info'], {
        encoding: 'utf8',
      }).stdout.includes('cluster_state:ok')
    ) {
      if (Date.now() > deadline)
        throw new Error('the Redis Cluster did not reach cluster_state:ok');
      await new Promise((r) => setTimeout(r, 100));
    }
    return { ports, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

describe(
  'RedisEventLog on a three-node Redis Cluster',
  { skip: requireTools('redis-server', 'redis-cli').skip },
  () => {
    let redisCluster: { ports: number[]; stop(): Promise<void> };
    let client: Cluster;
    const name = `docat-test-cluster-${randomBytes(4).toString('hex')}`;

    before(async () => {
      redisCluster = await startRedisCluster();
      client = new Cluster(
        redisCluster.ports.map((port) => ({ host: '127.0.0.1', port })),
        { redisOptions: { connectionName: name, maxRetriesPerRequest: 2 } },
      );
      client.on('error', () => undefined);
    });

    after(async () => {
      await client?.quit().catch(() => client.disconnect());
      await redisCluster?.stop();
    });

    describe('follow', () => {
      sharedBehaviour(() => new RedisEventLog(client, 'docat-cluster-shared', { blockMs: 2_000 }));
    });

    test('500 followers over 50 logs spread across the cluster: every entry arrives, blocking connections stay within the shard count', async () => {
      const log = new RedisEventLog(client, 'docat-cluster-fanout', {
        blockMs: 2_000,
        connectionName: name,
      });
      try {
        const logs = Array.from(
          { length: 50 },
          (_, j) => `job-${randomBytes(6).toString('hex')}-${j}`,
        );
        const followers = Array.from({ length: 500 }, (_, i) => collect(log, logs[i % 50]!, 0, 3));
        for (const each of logs) await appendRange(log, each, 1, 3);
        await within(
          Promise.all(followers.map((f) => f.done)),
          15_000,
          '500 followers on the cluster',
        );
        for (const f of followers)
          assert.deepEqual(
            f.entries.map((e) => e.seq),
            [1, 2, 3],
          );
        // The logs sit in many slots on different nodes: one XREAD over all of them would fail with CROSSSLOT.
        const shards = new Set(logs.map(eventLogShard));
        assert.ok(shards.size > 3, `logs spread over ${shards.size} shards`);
        assert.equal(log.openReaders, shards.size, 'one blocking reader per shard in use');
        let connections = 0;
        for (const port of redisCluster.ports) {
          const probe = new Redis(port, '127.0.0.1');
          const list = String(await probe.call('CLIENT', 'LIST'));
          await probe.quit();
          const mine = list.split('\n').filter((line) => line.includes(` name=${name} `));
          connections += mine.length;
        }
        // The shared command client holds one connection per node; each shard's reader one more.
        assert.ok(
          connections <= EVENT_LOG_SHARDS + 3,
          `${connections} connections named ${name} for 500 followers`,
        );
        for (const f of followers) f.close();
      } finally {
        await log.close();
      }
    });
  },
);

describe('PostgresEventLog', () => {
  let db: FreshDatabase;
  const sources: DataSource[] = [];
  const open = async (): Promise<DataSource> => {
    const source = await openDataSource({
      url: db.url,
      schema: 'notification',
      entities: [],
      migrations: [...MIGRATIONS.notification],
      migrate: true,
      poolMax: 2,
    });
    sources.push(source);
    return source;
  };
  before(async () => {
    db = await freshDatabase();
  });
  after(async () => {
    for (const source of sources) if (source.isInitialized) await source.destroy();
    await db.drop();
  });

  describe('follow', () => {
    let shared: Promise<DataSource> | undefined;
    sharedBehaviour(() => new PostgresEventLog(() => (shared ??= open())));
  });

  test('entries survive a restart: a new process resumes exactly after the last seq seen', async () => {
    const first = await open();
    const before = new PostgresEventLog(() => Promise.resolve(first));
    await appendRange(before, 'restart', 1, 4);
    // A client that saw the first two events when the process stopped.
    const seen = collect(before, 'restart', 0, 2);
    await within(seen.done, 5_000, 'first two');
    seen.close();
    const lastSeen = seen.entries[1]!.seq;
    await before.close();
    await first.destroy();

    const second = await open();
    const afterRestart = new PostgresEventLog(() => Promise.resolve(second));
    await afterRestart.append('restart', 3, 'duplicate', OPTS); // already stored before the restart
    const resumed = collect(afterRestart, 'restart', lastSeen, 3);
    await afterRestart.append('restart', 5, 'e5', OPTS);
    await within(resumed.done, 5_000, 'resume after restart');
    resumed.close();
    assert.deepEqual(
      resumed.entries.map((e) => e.seq),
      [3, 4, 5],
    );
    assert.equal(resumed.entries[0]?.payload, 'e3');
    await afterRestart.close();
  });

  test('a log is capped at maxLen entries and reads as empty once expired', async () => {
    const source = await open();
    const log = new PostgresEventLog(() => Promise.resolve(source));
    for (let seq = 1; seq <= 100; seq++)
      await log.append('capped', seq, `e${seq}`, { maxLen: 20, ttlMs: 60_000 });
    const kept = await log.read('capped', 0, 1_000);
    assert.ok(kept.length >= 20 && kept.length < 100, `kept ${kept.length}`);
    assert.equal(kept.at(-1)?.seq, 100);

    await log.append('brief', 1, 'e1', { maxLen: 10, ttlMs: 1 });
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(await log.read('brief', 0, 10), []);
    await log.append('brief', 1, 'again', { maxLen: 10, ttlMs: 60_000 }); // an expired log starts over
    assert.deepEqual(await log.read('brief', 0, 10), [{ seq: 1, payload: 'again' }]);
    await log.close();
  });
});
