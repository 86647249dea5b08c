import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { loadConfig } from '@docat/config';
import {
  EVENTS,
  RPC,
  uploadOptionsSchema,
  uuidv7,
  type ChunkStepProgress,
  type JobView,
  type EngineChoice,
} from '@docat/contracts';
import { createStorage, type ObjectStorage } from '@docat/storage';
import { bootstrapService, createStandaloneRuntime, type RunningService } from '@docat/service-kit';
import { corpusFile, requireCorpus, serviceFixture, type ServiceFixture } from '@docat/testing';
import { INGESTION_CLAIMS, IngestionModule } from '../ingestion.module.js';
import { OrchestratorService } from '../orchestration/orchestrator.service.js';
import { JobsRepository } from '../jobs/jobs.repository.js';
import { JobEventsPublisher } from './job-events.publisher.js';
import { JOB_PROGRESS_INTERVAL_MS, partialsKey } from './job-progress.tracker.js';

/** The engine choice the gateway sends with an upload (`translation.resolve-engine`). */
const PSEUDO_CHOICE: EngineChoice = {
  engine: 'pseudo',
  model: 'pseudo-1',
  paid: false,
  reason: 'pseudo-fallback',
};

/**
 * Workers' in-chunk progress reports folded into the job on a real PostgreSQL, with no
 * workers attached: the test sends the reports and step completions a worker would.
 */
describe("job progress from workers' reports", () => {
  const req = requireCorpus('tracemonkey.pdf');
  let fx: ServiceFixture;
  let storage: ObjectStorage;
  let service: RunningService;
  let sql: pg.Client;

  before(async () => {
    if (req.skip) return;
    fx = await serviceFixture();
    const config = loadConfig(
      fx.env('standalone', {
        CHUNK_PAGES: '500',
        DOCAT_RECONCILE_INTERVAL_MS: '3600000',
        CREDITS_ENABLED: 'false',
      }),
    );
    storage = createStorage(config);
    const runtime = await createStandaloneRuntime(config, { databaseUrl: fx.db.url, storage });
    service = fx.own(
      await bootstrapService({
        service: 'ingestion',
        module: IngestionModule.register(),
        runtime: () => Promise.resolve(runtime),
        claims: INGESTION_CLAIMS,
        managementPort: null,
        exitOnShutdown: false,
      }),
    );
    sql = fx.sql;
    // No workers run here: announce what they would, so dispatch is not held to one step per queue.
    for (const queue of ['extract', 'translate'] as const)
      await service.app
        .get(OrchestratorService)
        .workerCapacity({ worker: 'test', queue, concurrency: 64, ttlMs: 3_600_000 });
  });

  after(() => fx?.close());

  const get = (userId: string, jobId: string) =>
    service.runtime.bus.call<JobView>(RPC.JOBS_GET, { userId, jobId }, { timeoutMs: 10_000 });
  const eventCount = async (jobId: string) =>
    Number(
      (
        await sql.query<{ event_seq: string }>(
          'SELECT event_seq FROM ingestion.jobs WHERE id = $1',
          [jobId],
        )
      ).rows[0]!.event_seq,
    );
  const report = (p: ChunkStepProgress, userId: string) =>
    service.runtime.bus.emit(EVENTS.CHUNK_STEP_PROGRESS, p, { context: { userId } });
  const settle = () => new Promise((r) => setTimeout(r, JOB_PROGRESS_INTERVAL_MS * 3));

  async function chunkLease(jobId: string): Promise<number> {
    const row = (
      await sql.query<{ lease: number; state: string }>(
        'SELECT lease, state FROM ingestion.job_chunks WHERE job_id = $1 AND chunk = 0',
        [jobId],
      )
    ).rows[0];
    assert.equal(row?.state, 'running');
    return row.lease;
  }

  async function upload(userId: string): Promise<JobView> {
    const bytes = await readFile(corpusFile('tracemonkey.pdf'));
    const storageKey = `uploads/${uuidv7()}`;
    await storage.put(storageKey, bytes);
    const created = await service.runtime.bus.call<JobView>(
      RPC.JOBS_CREATE,
      {
        userId,
        upload: {
          storageKey,
          bytes: bytes.length,
          fileName: 'tracemonkey.pdf',
          sha256: createHash('sha256').update(bytes).digest('hex'),
        },
        options: uploadOptionsSchema.parse({
          targetLanguage: 'de',
          outputs: 'md',
          noCache: 'true',
        }),
        engine: PSEUDO_CHOICE,
      },
      { timeoutMs: 10_000, context: { userId } },
    );
    // The 202 does not wait for the dispatch of the new job: the test does.
    await service.app.get(OrchestratorService).dispatchSettled();
    return created;
  }

  test(
    '500 page reports in a burst make a handful of events; the job starts, counts pages and never goes back',
    { skip: req.skip },
    async () => {
      const user = uuidv7();
      const job = await upload(user);
      const before = await eventCount(job.id);
      const ref = {
        jobId: job.id,
        chunk: 0,
        step: 'extract' as const,
        lease: await chunkLease(job.id),
      };
      const started = Date.now();
      // 501 reports climbing through the file's 14 pages (the count its upload declared).
      for (let i = 0; i <= 500; i++)
        await report({ ...ref, done: Math.floor((i * 14) / 500), total: 14, unit: 'pages' }, user);
      const sending = Date.now() - started;
      await settle();
      const events = (await eventCount(job.id)) - before;
      // At most one write per interval while reports arrive, plus the trailing one.
      assert.ok(
        events >= 1 && events <= Math.ceil(sending / JOB_PROGRESS_INTERVAL_MS) + 2,
        `${events} events for 501 reports over ${sending} ms`,
      );
      const view = await get(user, job.id);
      assert.equal(view.state, 'processing');
      assert.equal(view.stage, 'extract');
      assert.deepEqual(
        { ...view.progress.stages.extract, etaSeconds: undefined },
        { done: 14, total: 14, unit: 'pages', etaSeconds: undefined },
      );
      assert.ok(view.progress.percent >= 49, `percent ${view.progress.percent}`);

      // A late report (lower count) and one from a stale lease change nothing.
      const count = await eventCount(job.id);
      await report({ ...ref, done: 10, total: 14, unit: 'pages' }, user);
      await report({ ...ref, lease: ref.lease - 1, done: 3, total: 14, unit: 'pages' }, user);
      await settle();
      assert.equal(await eventCount(job.id), count);
      assert.equal((await get(user, job.id)).progress.stages.extract?.done, 14);
    },
  );

  test(
    "segments: a chunk's count is its total once translation starts, with an ETA from the observed rate",
    { skip: req.skip },
    async () => {
      const user = uuidv7();
      const job = await upload(user);
      const extract = {
        jobId: job.id,
        chunk: 0,
        step: 'extract' as const,
        lease: await chunkLease(job.id),
      };
      await report({ ...extract, done: 0, total: 14, unit: 'pages' }, user);
      await service.runtime.bus.emit(
        EVENTS.CHUNK_STEP_DONE,
        {
          ...extract,
          documentPages: 14,
          pageFrom: 1,
          pageTo: 14,
          billedCharacters: 0,
          warnings: [],
        },
        { context: { userId: user } },
      );
      // The orchestrator advances the chunk to translation and dispatches it.
      let lease = -1;
      for (let i = 0; i < 50 && lease < 0; i++) {
        const row = (
          await sql.query<{ lease: number; step: string; state: string }>(
            'SELECT lease, step, state FROM ingestion.job_chunks WHERE job_id = $1',
            [job.id],
          )
        ).rows[0];
        if (row?.step === 'translate' && row.state === 'running') lease = row.lease;
        else await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(lease >= 0, 'the chunk reached translation');
      const translate = { jobId: job.id, chunk: 0, step: 'translate' as const, lease };
      await report({ ...translate, done: 0, total: 120, unit: 'segments' }, user);
      await settle();
      await new Promise((r) => setTimeout(r, 1_000));
      await report({ ...translate, done: 60, total: 120, unit: 'segments' }, user);
      await settle();
      const view = await get(user, job.id);
      assert.equal(view.stage, 'translate');
      assert.deepEqual(view.progress.stages.extract, {
        done: 14,
        total: 14,
        unit: 'pages',
        etaSeconds: 0,
      });
      const segments = view.progress.stages.translate;
      assert.equal(segments?.unit, 'segments');
      assert.equal(segments?.done, 60);
      assert.equal(segments?.total, 120);
      // 60 segments in about 1.75 s: the other 60 take about as long.
      assert.ok(
        segments?.etaSeconds !== undefined && segments.etaSeconds >= 1 && segments.etaSeconds <= 4,
        `ETA ${segments?.etaSeconds}`,
      );
      assert.equal(view.progress.etaSeconds, segments.etaSeconds);
    },
  );

  test(
    'a new job: its expected pages are known at the 202; the insert numbers its first event, later events follow',
    { skip: req.skip },
    async () => {
      const user = uuidv7();
      const job = await upload(user);
      // The pages it will extract are recorded after its transaction, before the answer,
      // with no report sent yet: the upload's page-tree count (14).
      const partials = await service.runtime.cache.get(partialsKey(job.id));
      assert.equal((JSON.parse(partials ?? '{}') as { expectedPages?: number }).expectedPages, 14);

      const jobs = service.app.get(JobsRepository);
      const events = service.app.get(JobEventsPublisher);
      const id = uuidv7();
      const { row, first, next } = await jobs.transaction(async (tx) => {
        const row = await jobs.insert(
          {
            id,
            userId: user,
            state: 'queued',
            stage: 'queued',
            fileName: 'a.pdf',
            fileBytes: 1,
            sha256: 'a'.repeat(64),
            sourceKey: `uploads/${id}`,
            options: {
              ...uploadOptionsSchema.parse({ targetLanguage: 'de', outputs: 'md' }),
              engine: 'pseudo',
            },
            passwordSecret: null,
            progress: { percent: 0, stages: {} },
          },
          tx,
        );
        const first = events.prepareFirst(row, 'state');
        return { row, first, next: await events.prepare(row, 'progress', tx) };
      });
      assert.equal(first.event.seq, 1);
      assert.equal(next.event.seq, 2, 'the next event takes the next number');
      assert.equal(await eventCount(id), 2);
      assert.throws(
        () => events.prepareFirst({ ...row, event_seq: 2 }, 'state'),
        /is not new/,
        'a row that is not new never reuses a number',
      );
    },
  );

  test(
    'a translation done before any of its reports was applied still counts its segments, from the step report',
    { skip: req.skip },
    async () => {
      const user = uuidv7();
      const job = await upload(user);
      const extract = {
        jobId: job.id,
        chunk: 0,
        step: 'extract' as const,
        lease: await chunkLease(job.id),
      };
      const done = { billedCharacters: 0, warnings: [] };
      await service.runtime.bus.emit(
        EVENTS.CHUNK_STEP_DONE,
        { ...extract, ...done, documentPages: 14, pageFrom: 1, pageTo: 14 },
        { context: { userId: user } },
      );
      let lease = -1;
      for (let i = 0; i < 50 && lease < 0; i++) {
        const row = (
          await sql.query<{ lease: number; step: string; state: string }>(
            'SELECT lease, step, state FROM ingestion.job_chunks WHERE job_id = $1',
            [job.id],
          )
        ).rows[0];
        if (row?.step === 'translate' && row.state === 'running') lease = row.lease;
        else await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(lease >= 0, 'the chunk reached translation');
      await service.runtime.bus.emit(
        EVENTS.CHUNK_STEP_DONE,
        { jobId: job.id, chunk: 0, step: 'translate', lease, ...done, segments: 90 },
        { context: { userId: user } },
      );
      let view = await get(user, job.id);
      for (let i = 0; i < 50 && view.stage !== 'render'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        view = await get(user, job.id);
      }
      assert.equal(view.stage, 'render');
      assert.deepEqual(
        { ...view.progress.stages.translate, etaSeconds: undefined },
        { done: 90, total: 90, unit: 'segments', etaSeconds: undefined },
      );
      assert.deepEqual(view.progress.stages.render, { done: 0, total: 14, unit: 'pages' });
    },
  );
});
