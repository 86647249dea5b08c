import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DataSource } from 'typeorm';
import { uuidv7 } from '@docat/contracts';
import { MIGRATIONS } from '@docat/database';
import { openDataSource, type ObjectStorage } from '@docat/service-kit';
import { S3Storage } from '@docat/storage';
import {
  freshDatabase,
  startS3Server,
  type FreshDatabase,
  type S3TestServer,
} from '@docat/testing';
import { JobsRepository, type NewJob } from '../jobs/jobs.repository.js';
import type { Clock } from './clock.js';
import { RetentionRepository } from './retention.repository.js';
import { RetentionService } from './retention.service.js';
import type { RetentionSettings } from './retention.settings.js';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

/** A clock the test moves by hand. */
class FakeClock implements Clock {
  constructor(public at: number) {}
  now(): Date {
    return new Date(this.at);
  }
}

const SETTINGS: RetentionSettings = {
  uploadsMs: 24 * HOUR,
  resultsMs: 30 * DAY,
  jobsMs: 730 * DAY,
  accountsMs: 7 * 365 * DAY,
  intervalMs: HOUR,
  // Small batches, so every loop runs more than once.
  batch: 2,
};

/** A UUIDv7 of exactly `at` (the library's generator never goes back in time within a process). */
function idAt(at: number): string {
  const time = at.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}${uuidv7().slice(13)}`;
}

function monthName(at: number): string {
  const d = new Date(at);
  return `jobs_${d.getUTCFullYear()}_${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

describe('retention sweeps on PostgreSQL and S3 with a fake clock', () => {
  let db: FreshDatabase;
  let s3: S3TestServer;
  let source: DataSource;
  let storage: ObjectStorage;
  let jobs: JobsRepository;
  let repository: RetentionRepository;
  let clock: FakeClock;
  let service: RetentionService;
  const base = Date.now();
  const context = { context: {} };

  async function put(key: string): Promise<void> {
    await storage.put(key, Buffer.from(`content of ${key}`), {
      contentType: 'application/octet-stream',
      ...context,
    });
  }

  async function exists(key: string): Promise<boolean> {
    return (await storage.head(key)) !== null;
  }

  /** A job created at `at`, with an upload and (when finished) an output and a chunk layout in storage. */
  async function job(
    at: number,
    opts: {
      state?: 'queued' | 'completed' | 'failed';
      finishedAt?: number;
      cachedFrom?: string;
      upload?: string;
    } = {},
  ): Promise<string> {
    await repository.ensurePartition(new Date(at));
    const id = idAt(at);
    const upload = opts.upload ?? `uploads/${idAt(at)}`;
    const row: NewJob = {
      id,
      userId: 'u1',
      state: 'queued',
      stage: 'queued',
      fileName: 'a.pdf',
      fileBytes: 10,
      sha256: id.replace(/-/g, '').padEnd(64, '0'),
      sourceKey: upload,
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
      ...(opts.cachedFrom
        ? {
            cached: {
              resultsJobId: opts.cachedFrom,
              pageCount: 1,
              warnings: [],
              detectedLanguage: null,
            },
          }
        : {}),
    };
    const inserted = await jobs.insert(row);
    if (opts.state && opts.state !== 'queued') {
      await source.query(
        `UPDATE ingestion.jobs SET state = $2, stage = 'done', completed_at = $3, updated_at = $3 WHERE id = $1 AND created_at = $4`,
        [id, opts.state, new Date(opts.finishedAt ?? at), inserted.created_at],
      );
    }
    if (!opts.cachedFrom) {
      await put(`jobs/${id}/chunks/0/layout.json`);
      if (opts.state === 'completed') await put(`jobs/${id}/result.md`);
      await jobs.recordCompletedResult('u1', row.sha256, 'opts', inserted, source);
      await jobs.insertIdempotencyKey('u1', `key-${id}`, 'hash', inserted, source);
    }
    return id;
  }

  async function filesDeletedAt(id: string): Promise<Date | null | undefined> {
    const rows = (await source.query(`SELECT files_deleted_at FROM ingestion.jobs WHERE id = $1`, [
      id,
    ])) as { files_deleted_at: Date | null }[];
    return rows[0]?.files_deleted_at;
  }

  async function count(sql: string, params: unknown[]): Promise<number> {
    const rows = (await source.query(sql, params)) as { n: number }[];
    return Number(rows[0]?.n ?? 0);
  }

  async function partitionNames(): Promise<string[]> {
    return (await repository.partitions()).map((p) => p.name);
  }

  before(async () => {
    db = await freshDatabase();
    s3 = await startS3Server();
    source = await openDataSource({
      url: db.url,
      schema: 'ingestion',
      entities: [],
      migrations: MIGRATIONS.ingestion,
      migrate: true,
    });
    storage = new S3Storage({
      bucket: s3.bucket,
      region: s3.region,
      endpoint: s3.endpoint,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
    });
    jobs = new JobsRepository(source);
    repository = new RetentionRepository(source);
    clock = new FakeClock(base);
    service = new RetentionService(repository, storage, SETTINGS, clock);
  });

  after(async () => {
    await source?.destroy();
    await db?.drop();
    await s3?.stop();
  });

  test('each kind goes after its own retention, in batches, and nothing younger or still in use', async () => {
    // Uploads: an old orphan, an old one a queued job still reads, a recent one.
    const oldUpload = `uploads/${idAt(base - 25 * HOUR)}`;
    const oldOrphan2 = `uploads/${idAt(base - 26 * HOUR)}`;
    const oldOrphan3 = `uploads/${idAt(base - 27 * HOUR)}`;
    const inUse = `uploads/${idAt(base - 30 * HOUR)}`;
    const recent = `uploads/${idAt(base - 1 * HOUR)}`;
    for (const key of [oldUpload, oldOrphan2, oldOrphan3, inUse, recent]) await put(key);
    const queued = await job(base - 30 * HOUR, { upload: inUse });

    // Results: due (31 days), not yet due (29 days), due but shared with a cached job that finished 10 days ago.
    const due = await job(base - 31 * DAY, { state: 'completed' });
    const failedDue = await job(base - 35 * DAY, { state: 'failed' });
    const young = await job(base - 29 * DAY, { state: 'completed' });
    const shared = await job(base - 40 * DAY, { state: 'completed' });
    const cachedCopy = await job(base - 10 * DAY, { state: 'completed', cachedFrom: shared });

    // Records: one from 800 days ago (its whole month goes), two around the 730-day limit.
    const ancient = await job(base - 800 * DAY, { state: 'completed' });
    const cutoff = base - 730 * DAY;
    const justExpired = await job(cutoff - HOUR, { state: 'completed', finishedAt: cutoff - HOUR });
    const justKept = await job(cutoff + HOUR, { state: 'completed', finishedAt: cutoff + HOUR });
    assert.ok((await partitionNames()).includes(monthName(base - 800 * DAY)));

    const report = await service.sweep();

    assert.equal(
      report.uploads,
      3,
      'the three uploads older than 24 hours that no queued job reads',
    );
    assert.ok(
      !(await exists(oldUpload)) && !(await exists(oldOrphan2)) && !(await exists(oldOrphan3)),
    );
    assert.ok(await exists(inUse), 'the upload of a queued job stays');
    assert.ok(await exists(recent), 'a recent upload stays');
    assert.ok(await exists(`jobs/${queued}/chunks/0/layout.json`), "a queued job's files stay");

    assert.ok(
      !(await exists(`jobs/${due}/result.md`)) &&
        !(await exists(`jobs/${due}/chunks/0/layout.json`)),
      'results after 30 days go',
    );
    assert.ok(
      (await filesDeletedAt(due)) instanceof Date,
      'the job records that its files are gone',
    );
    assert.ok(
      !(await exists(`jobs/${failedDue}/chunks/0/layout.json`)),
      "a failed job's files go too",
    );
    assert.equal(
      await count(`SELECT count(*)::int AS n FROM ingestion.result_dedupe WHERE job_id = $1`, [
        due,
      ]),
      0,
      'a new upload is no longer answered from deleted results',
    );
    assert.ok(await exists(`jobs/${young}/result.md`), 'results younger than 30 days stay');
    assert.equal(await filesDeletedAt(young), null);
    assert.ok(
      await exists(`jobs/${shared}/result.md`),
      'results a cached job answered from 10 days ago stay',
    );
    assert.equal(
      await count(`SELECT count(*)::int AS n FROM ingestion.result_dedupe WHERE job_id = $1`, [
        young,
      ]),
      1,
    );

    assert.ok(
      !(await partitionNames()).includes(monthName(base - 800 * DAY)),
      'the 800-day-old month is dropped whole',
    );
    assert.ok(!(await exists(`jobs/${ancient}/result.md`)), 'its files went before it');
    assert.equal(
      await filesDeletedAt(justExpired),
      undefined,
      'a record past 730 days is deleted row by row in the straddling month',
    );
    assert.equal(
      await count(`SELECT count(*)::int AS n FROM ingestion.idempotency_keys WHERE job_id = $1`, [
        justExpired,
      ]),
      0,
    );
    assert.ok(
      (await filesDeletedAt(justKept)) instanceof Date,
      'a record inside 730 days stays (its files are long gone)',
    );
    assert.ok(report.jobs >= 2 && report.partitionsDropped >= 1, JSON.stringify(report));

    const ahead = [0, 1, 2].map((k) => {
      const d = new Date(base);
      return monthName(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + k, 1));
    });
    const names = await partitionNames();
    for (const name of ahead) assert.ok(names.includes(name), `partition ${name} exists ahead`);

    // A second sweep at the same time finds nothing to do.
    assert.deepEqual(await service.sweep(), {
      uploads: 0,
      results: 0,
      jobs: 0,
      partitionsDropped: 0,
    });

    // Three weeks later: the young results, the shared results (their cached copy is now 31 days old) and the recent upload are due.
    clock.at = base + 21 * DAY;
    const later = await service.sweep();
    assert.ok(!(await exists(`jobs/${young}/result.md`)));
    assert.ok(
      !(await exists(`jobs/${shared}/result.md`)),
      'shared results go once no job answered from them is younger than 30 days',
    );
    assert.ok((await filesDeletedAt(cachedCopy)) instanceof Date, 'the cached job is marked too');
    assert.ok(!(await exists(recent)));
    assert.ok(await exists(inUse), 'still read by the queued job');
    assert.equal(later.results, 3, 'young, shared and its cached copy');
    assert.equal(
      await filesDeletedAt(justKept),
      undefined,
      'the record kept three weeks ago is now past 730 days',
    );
    const d = new Date(clock.at);
    assert.ok(
      (await partitionNames()).includes(
        monthName(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 2, 1)),
      ),
      'partitions follow the clock',
    );
  });

  test('an aborted sweep stops between batches', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stopping'));
    await assert.rejects(service.sweep(controller.signal), /stopping/);
  });
});
