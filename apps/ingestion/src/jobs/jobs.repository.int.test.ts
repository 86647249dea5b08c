import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DataSource } from 'typeorm';
import { uuidv7 } from '@docat/contracts';
import { openDataSource } from '@docat/service-kit';
import { freshDatabase, type FreshDatabase } from '@docat/testing';
import { MIGRATIONS } from '@docat/database';
import { JobsRepository, type NewJob } from './jobs.repository.js';

function newJob(userId: string, at: number): NewJob {
  return {
    id: uuidv7(at),
    userId,
    state: 'queued',
    stage: 'queued',
    fileName: 'a.pdf',
    fileBytes: 10,
    sha256: 'a'.repeat(64),
    sourceKey: `uploads/${uuidv7()}`,
    options: {
      targetLanguage: 'de',
      engine: 'pseudo',
      outputs: ['md'],
      dualMode: 'side',
      noCache: false,
      useMemory: true,
    },
    passwordSecret: null,
    progress: { percent: 0, stages: {} },
  };
}

describe('ingestion schema on PostgreSQL', () => {
  let db: FreshDatabase;
  let source: DataSource;
  let jobs: JobsRepository;

  before(async () => {
    db = await freshDatabase();
    source = await openDataSource({
      url: db.url,
      schema: 'ingestion',
      entities: [],
      migrations: MIGRATIONS.ingestion,
      migrate: true,
    });
    jobs = new JobsRepository(source);
  });
  after(async () => {
    await source?.destroy();
    await db?.drop();
  });

  test('jobs is range-partitioned by month with this and next month ready, and migrations rerun as a no-op', async () => {
    const parts = (await source.query(
      `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
       JOIN pg_namespace n ON n.oid = p.relnamespace WHERE n.nspname = 'ingestion' AND p.relname = 'jobs' ORDER BY 1`,
    )) as { relname: string }[];
    const now = new Date();
    const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
    const name = (d: Date) =>
      `jobs_${d.getUTCFullYear()}_${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
    assert.deepEqual(
      parts.map((p) => p.relname),
      [name(now), name(next)],
    );
    const again = await openDataSource({
      url: db.url,
      schema: 'ingestion',
      entities: [],
      migrations: MIGRATIONS.ingestion,
      migrate: true,
    });
    await again.destroy();
  });

  test('a job is found by id alone (its partition from the id) and listed newest first by cursor', async () => {
    const t = Date.now();
    const older = await jobs.insert(newJob('u1', t - 2_000));
    const newer = await jobs.insert(newJob('u1', t - 1_000));
    await jobs.insert(newJob('u2', t));
    assert.equal((await jobs.find(older.id))?.user_id, 'u1');
    assert.equal(await jobs.find('not-a-uuid'), null);
    const page = await jobs.list('u1', 1);
    assert.deepEqual(
      page.map((j) => j.id),
      [newer.id],
    );
    const rest = await jobs.list('u1', 5, {
      createdAt: newer.created_at.toISOString(),
      id: newer.id,
    });
    assert.deepEqual(
      rest.map((j) => j.id),
      [older.id],
    );
  });

  test('history filters by state and by a file-name substring, LIKE wildcards matched literally', async () => {
    const t = Date.now();
    const named = (name: string, at: number) => ({ ...newJob('u4', at), fileName: name });
    const report = await jobs.insert(named('Annual_Report 2024.pdf', t - 3000));
    const wild = await jobs.insert(named('100% done.pdf', t - 2000));
    const other = await jobs.insert(named('notes.pdf', t - 1000));
    await jobs.update(other, { state: 'completed' }, source);
    const ids = (rows: { id: string }[]) => rows.map((r) => r.id);
    assert.deepEqual(ids(await jobs.list('u4', 10, undefined, { q: 'report' })), [report.id]);
    assert.deepEqual(
      ids(await jobs.list('u4', 10, undefined, { q: '_' })),
      [report.id],
      '_ is a character, not any character',
    );
    assert.deepEqual(ids(await jobs.list('u4', 10, undefined, { q: '%' })), [wild.id]);
    assert.deepEqual(ids(await jobs.list('u4', 10, undefined, { state: 'completed' })), [other.id]);
    assert.deepEqual(ids(await jobs.list('u4', 10, undefined, { state: 'queued', q: '.PDF' })), [
      wild.id,
      report.id,
    ]);
    const after = { createdAt: wild.created_at.toISOString(), id: wild.id };
    assert.deepEqual(
      ids(await jobs.list('u4', 10, after, { state: 'queued' })),
      [report.id],
      'the cursor combines with the filters',
    );
    assert.deepEqual(
      await jobs.list('u1', 10, undefined, { q: 'report' }),
      [],
      "another user's jobs never match",
    );
  });

  test('an idempotency key is recorded once across partitions', async () => {
    const row = await jobs.insert(newJob('u3', Date.now()));
    assert.equal(await jobs.insertIdempotencyKey('u3', 'k', 'h1', row, source), true);
    assert.equal(await jobs.insertIdempotencyKey('u3', 'k', 'h2', row, source), false);
    assert.deepEqual(await jobs.findIdempotencyKey('u3', 'k'), {
      request_hash: 'h1',
      job_id: row.id,
    });
  });
});
