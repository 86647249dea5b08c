import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';
import { startS3Server } from './s3-server.js';
import { freshDatabase } from './database.js';
import { freshRedisPrefix, redisUrl } from './redis.js';
import { checkServices } from './services.js';

describe('startS3Server', () => {
  test('serves a bucket from a child process and removes everything on stop', async () => {
    const server = await startS3Server();
    let stopped = false;
    try {
      const objectUrl = `${server.endpoint}/${server.bucket}/probe.txt`;
      assert.equal(existsSync(server.directory), true);
      const put = await fetch(objectUrl, { method: 'PUT', body: 'hello' });
      assert.equal(put.status, 200);
      const get = await fetch(objectUrl);
      assert.equal(await get.text(), 'hello');
      await server.stop();
      stopped = true;
      await assert.rejects(fetch(objectUrl), 'the server must no longer answer after stop');
      assert.equal(existsSync(server.directory), false);
    } finally {
      if (!stopped) await server.stop();
    }
  });

  test('two servers run side by side on different ports', async () => {
    const [a, b] = await Promise.all([startS3Server(), startS3Server()]);
    try {
      assert.notEqual(a.endpoint, b.endpoint);
      assert.notEqual(a.bucket, b.bucket);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});

describe('freshDatabase', () => {
  test('creates a usable database and drops it even with a connection still open', async () => {
    const db = await freshDatabase();
    const client = new pg.Client({ connectionString: db.url });
    client.on('error', () => undefined);
    await client.connect();
    try {
      await client.query('CREATE TABLE probe (id int PRIMARY KEY)');
      await client.query('INSERT INTO probe VALUES (1)');
      const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
      assert.equal(rows[0]?.db, db.name);
      await db.drop();
    } finally {
      await client.end().catch(() => undefined);
      await db.drop();
    }
    const admin = new pg.Client({
      connectionString: process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test',
    });
    await admin.connect();
    try {
      const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [
        db.name,
      ]);
      assert.equal(rowCount, 0);
    } finally {
      await admin.end();
    }
  });
});

describe('freshRedisPrefix', () => {
  const redis = new Redis(redisUrl());
  const outsider = `docat-test-outsider:${randomBytes(6).toString('hex')}`;
  after(async () => {
    await redis.del(outsider);
    await redis.quit();
  });

  test('cleanup deletes every key under its prefix and nothing else', async () => {
    const mine = freshRedisPrefix();
    const other = freshRedisPrefix();
    assert.notEqual(mine.prefix, other.prefix);
    try {
      const pipeline = redis.pipeline();
      for (let i = 0; i < 1200; i++) pipeline.set(`${mine.prefix}k${i}`, '1');
      pipeline.set(`${other.prefix}keep`, '1');
      pipeline.set(outsider, '1');
      await pipeline.exec();
      await mine.cleanup();
      assert.equal(
        (await redis.scan('0', 'MATCH', `${mine.prefix}*`, 'COUNT', 10_000))[1].length,
        0,
      );
      assert.equal(await redis.exists(`${other.prefix}keep`, outsider), 2);
    } finally {
      await mine.cleanup();
      await other.cleanup();
    }
  });
});

describe('checkServices', () => {
  test('passes when Redis and PostgreSQL answer', async () => {
    await checkServices();
  });

  test('names the unreachable service and the variable to set', async () => {
    const saved = process.env.REDIS_URL;
    // Port 1 is privileged and unused here: the connection is refused at once.
    process.env.REDIS_URL = 'redis://127.0.0.1:1';
    try {
      await assert.rejects(checkServices({ postgres: false }), (err: Error) => {
        assert.match(err.message, /Redis is not reachable at redis:\/\/127\.0\.0\.1:1/);
        assert.match(err.message, /REDIS_URL/);
        return true;
      });
    } finally {
      if (saved === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = saved;
    }
  });
});
