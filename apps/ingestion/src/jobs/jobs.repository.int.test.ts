import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DataSource } from 'typeorm';
import { uuidv7, uuidv7Time } from '@docat/contracts';
import { openDataSource } from '@docat/service-kit';
import { freshDatabase, type FreshDatabase } from '@docat/testing';
import { MIGRATIONS } from '@docat/database';
import { JobsRepository, type NewJob } from './jobs.repository.js';
import { ChunksRepository } from '../orchestration/chunks.repository.js';
import { BillingRepository } from '../billing/billing.repository.js';

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

  test('a queued job, its first chunk and its billing row in one statement are the rows the transaction wrote', async () => {
    const estimate = {
      pages: 14,
      selectedPages: 14,
      scannedPages: 0,
      textPages: 14,
      engine: 'pseudo',
      paidEngine: false,
      translationCharacters: 0,
      estimatedCredits: 14,
      breakdown: { text_pages: 14, ocr_pages: 0, translation: 0 },
      probed: false,
    };
    const first = { chunk: 0, pageFrom: 1, pageTo: 8 };
    const chunks = new ChunksRepository(source);
    const billing = new BillingRepository(source);
    // The three inserts as the transaction makes them...
    const t = Date.now();
    const byParts = await source.transaction(async (tx) => {
      const row = await jobs.insert(newJob('u5', t - 1_000), tx);
      await chunks.insert(row.id, row.user_id, [first], tx);
      await billing.insert(
        {
          jobId: row.id,
          jobCreatedAt: row.created_at,
          userId: row.user_id,
          reserved: 14,
          estimate,
        },
        tx,
      );
      return row;
    });
    // ...and as one statement.
    const atOnce = await jobs.insertQueued(newJob('u5', t), first, { reserved: 14, estimate });
    const { id: _a, created_at: _ca, source_key: _sa, updated_at: _ua, ...restA } = byParts;
    const { id: _b, created_at: createdB, source_key: _sb, updated_at: _ub, ...restB } = atOnce;
    assert.deepEqual(restB, restA, 'the job row is the same but for its id and times');
    assert.equal(createdB.getTime(), uuidv7Time(atOnce.id), 'created at the time of its id');
    assert.deepEqual(await jobs.find(atOnce.id), atOnce, 'the answered row is the stored one');
    const strip = ({ job_id: _j, ...rest }: { job_id: string }) => rest;
    assert.deepEqual(
      (await chunks.forJob(atOnce.id)).map(strip),
      (await chunks.forJob(byParts.id)).map(strip),
    );
    assert.equal((await chunks.forJob(atOnce.id)).length, 1);
    const billed = await billing.find(atOnce.id);
    assert.ok(billed, 'the billing row is written');
    assert.equal(billed.job_created_at.getTime(), createdB.getTime());
    assert.equal(billed.user_id, 'u5');
    assert.equal(billed.reserved, '14');
    assert.deepEqual(billed.estimate, estimate);
    assert.equal(billed.state, 'open');
    const billedByParts = await billing.find(byParts.id);
    assert.ok(billedByParts);
    assert.deepEqual(strip(billed), { ...strip(billedByParts), job_created_at: createdB });

    // Without credits: the job and its chunk, no billing row.
    const free = await jobs.insertQueued(newJob('u5', t + 1), first, null);
    assert.equal((await chunks.forJob(free.id)).length, 1);
    assert.equal(await billing.find(free.id), null);
  });
});
