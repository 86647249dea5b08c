import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { Redis } from 'ioredis';
import { MIGRATIONS, runAllMigrations } from '@docat/database';
import { freshDatabase, freshRedisPrefix, type FreshDatabase } from '@docat/testing';
import { PostgresTranslationMemory } from './postgres.memory.js';
import { RedisCachedTranslationMemory } from './redis-cache.memory.js';
import { memoryEntry, memoryKey, type MemoryContext } from './translation-memory.js';
import { exportTmx, importTmx } from './tmx.js';
import { MemoryRateLimiter } from '@docat/request-limiter';
import { Translator } from '../translator.js';
import { FakeEngine } from '../testing/fake-engine.js';
import { segmentBlocks } from '../segment.js';

const context: MemoryContext = {
  accountId: 'acc-1',
  engine: 'openai',
  model: 'm',
  source: 'en',
  target: 'de',
  promptVersion: 'llm-1',
};

describe('PostgreSQL memory behind a Redis cache', () => {
  const keys = freshRedisPrefix();
  const prefix = keys.prefix;
  let db: FreshDatabase;
  let pool: pg.Pool;
  let redis: Redis;
  let durable: PostgresTranslationMemory;
  let cached: RedisCachedTranslationMemory;

  before(async () => {
    db = await freshDatabase();
    // The table comes from the committed migrations, as in production.
    await runAllMigrations(db.url, { registry: { translation: MIGRATIONS.translation } });
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
    // Dropping the database at the end terminates whatever is left; that is expected.
    pool.on('error', () => undefined);
    redis = new Redis(keys.url, { lazyConnect: true, maxRetriesPerRequest: 2 });
    await redis.connect();
    durable = new PostgresTranslationMemory(pool);
    cached = new RedisCachedTranslationMemory(durable, redis, { prefix, ttlSeconds: 60 });
  });

  after(async () => {
    await keys.cleanup();
    redis.disconnect();
    await pool.end();
    await db.drop();
  });

  test('put, get through the cache, upsert, list', async () => {
    await cached.putMany([
      memoryEntry(context, 'Hello.', 'Hallo.'),
      memoryEntry(context, 'Bye.', 'Tschüss.', 'gl-9'),
      memoryEntry(context, 'Hello.', 'Hallo!'),
    ]);
    const got = await cached.getMany([
      memoryKey(context, 'Hello.'),
      memoryKey(context, 'Bye.'),
      memoryKey(context, 'Unknown.'),
    ]);
    assert.equal(got.size, 2);
    assert.equal(got.get(memoryKey(context, 'Hello.'))!.targetText, 'Hallo!');
    assert.equal(got.get(memoryKey(context, 'Bye.'))!.glossaryId, 'gl-9');
    const fromDb = await durable.getMany([memoryKey(context, 'Hello.')]);
    assert.equal(fromDb.get(memoryKey(context, 'Hello.'))!.targetText, 'Hallo!');
    const listed = [];
    for await (const e of cached.list('acc-1')) listed.push(e.sourceText);
    assert.deepEqual(listed.sort(), ['Bye.', 'Hello.']);
  });

  test('entries written straight to PostgreSQL are read through and cached', async () => {
    await durable.putMany([memoryEntry(context, 'Direct.', 'Direkt.')]);
    const key = memoryKey(context, 'Direct.');
    assert.equal((await cached.getMany([key])).get(key)!.targetText, 'Direkt.');
    assert.ok(await redis.exists(`${prefix}e:${key}`));
  });

  test('purge by glossary, then by account, also hides cached entries', async () => {
    assert.equal(await cached.purge({ accountId: 'acc-1', glossaryId: 'gl-9' }), 1);
    assert.equal((await cached.getMany([memoryKey(context, 'Bye.')])).size, 0);
    assert.equal((await cached.getMany([memoryKey(context, 'Hello.')])).size, 1);
    await cached.purge({ accountId: 'acc-1' });
    assert.equal(
      (await cached.getMany([memoryKey(context, 'Hello.'), memoryKey(context, 'Direct.')])).size,
      0,
    );
  });

  test('TMX export and import against PostgreSQL', async () => {
    const other: MemoryContext = { ...context, accountId: 'acc-2' };
    await cached.putMany([memoryEntry(other, 'One.', 'Eins.'), memoryEntry(other, 'Two.', 'Zwo.')]);
    const xml = await exportTmx(cached, 'acc-2');
    await importTmx(cached, xml.replace('Zwo.', 'Zwei.'), { accountId: 'acc-2' });
    assert.equal(
      (await cached.getMany([memoryKey(other, 'Two.')])).get(memoryKey(other, 'Two.'))!.targetText,
      'Zwei.',
    );
  });

  test('a second translation of the same document makes zero engine requests', async () => {
    const engine = new FakeEngine();
    const translator = new Translator({ limiter: new MemoryRateLimiter(), memory: cached });
    const segments = segmentBlocks(
      [
        {
          id: 'b',
          type: 'paragraph',
          text: 'The first sentence is here. The second one follows. A third closes 3 points.',
        },
      ],
      { shortBlockChars: 10 },
    );
    const first = await translator.translate({
      accountId: 'acc-3',
      engines: [engine],
      source: 'en',
      target: 'de',
      segments,
    });
    await new Promise((r) => setTimeout(r, 100));
    const requests = engine.requests;
    const second = await translator.translate({
      accountId: 'acc-3',
      engines: [engine],
      source: 'en',
      target: 'de',
      segments,
    });
    assert.equal(engine.requests, requests);
    assert.deepEqual(second.texts, first.texts);
    assert.ok((await durable.purge({ accountId: 'acc-3' })) === 3);
  });
});
