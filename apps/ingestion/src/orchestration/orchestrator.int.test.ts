import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { loadConfig } from '@docat/config';
import {
  QUEUES,
  RPC,
  STORAGE_KEYS,
  stepJobId,
  uploadOptionsSchema,
  uuidv7,
  type JobView,
  type EngineChoice,
  type StepClaim,
  type StepLeaseAnswer,
  type WorkerCapacity,
} from '@docat/contracts';
import { createStorage, type ObjectStorage } from '@docat/storage';
import { bootstrapService, createStandaloneRuntime, type RunningService } from '@docat/service-kit';
import { corpusFile, requireCorpus, serviceFixture, type ServiceFixture } from '@docat/testing';
import { INGESTION_CLAIMS, IngestionModule } from '../ingestion.module.js';
import { OrchestratorService } from './orchestrator.service.js';

/** The engine choice the gateway sends with an upload (`translation.resolve-engine`). */
const PSEUDO_CHOICE: EngineChoice = {
  engine: 'pseudo',
  model: 'pseudo-1',
  paid: false,
  reason: 'pseudo-fallback',
};

interface ChunkState {
  job_id: string;
  chunk: number;
  step: string;
  state: string;
  lease: number;
  holder: string | null;
}

/**
 * The orchestrator on a real PostgreSQL and queue with no workers attached, so chunk
 * states only change through what the test does: dispatch under the announced capacity
 * and the per-user cap, step claims and heartbeats, and the reconciler.
 */
describe('orchestration: capacity, step leases and the reconciler', () => {
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
        USER_MAX_CHUNKS_IN_FLIGHT: '1',
        CHUNK_PAGES: '4',
        // The test drives the reconciler itself.
        DOCAT_RECONCILE_INTERVAL_MS: '3600000',
        // No auth service runs here to keep a credits ledger.
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
    // What the extraction and translation workers would announce at start.
    for (const queue of ['extract', 'translate'] as const) {
      const event: WorkerCapacity = { worker: 'w1', queue, concurrency: 4, ttlMs: 60_000 };
      await service.app.get(OrchestratorService).workerCapacity(event);
    }
  });

  after(() => fx?.close());

  async function upload(userId: string): Promise<JobView> {
    const bytes = await readFile(corpusFile('tracemonkey.pdf'));
    const storageKey = `uploads/${uuidv7()}`;
    await storage.put(storageKey, bytes);
    const created = await service.runtime.bus.call<JobView>(
      RPC.JOBS_CREATE,
      {
        userId,
        upload: { storageKey, bytes: bytes.length, fileName: 'tracemonkey.pdf', sha256: createHash('sha256').update(bytes).digest('hex') },
        // noCache: the same file twice must make two jobs with their own chunks.
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

  async function chunks(userId: string): Promise<ChunkState[]> {
    const result = await sql.query<ChunkState>(
      'SELECT job_id, chunk, step, state, lease, holder FROM ingestion.job_chunks WHERE user_id = $1 ORDER BY job_id, chunk',
      [userId],
    );
    return result.rows;
  }

  test(
    "with USER_MAX_CHUNKS_IN_FLIGHT=1 a user's second job waits while another user's job runs; waiting never expires it",
    { skip: req.skip },
    async () => {
      const alice = uuidv7();
      const bob = uuidv7();
      const first = await upload(alice);
      const second = await upload(alice);
      const other = await upload(bob);

      const mine = await chunks(alice);
      assert.deepEqual(
        mine.map((c) => [c.job_id, c.state]),
        [
          [first.id, 'running'],
          [second.id, 'pending'],
        ],
      );
      assert.deepEqual(
        (await chunks(bob)).map((c) => [c.job_id, c.state]),
        [[other.id, 'running']],
      );
      const depth = await service.runtime.queue.depth(QUEUES.EXTRACT);
      assert.equal(
        depth.waiting + depth.active,
        2,
        'one extract job per running chunk, none for the waiting one',
      );

      // An hour in the queue unclaimed is a wait, not an expiry: the reconciler leaves the lease alone.
      await sql.query(
        "UPDATE ingestion.job_chunks SET dispatched_at = now() - interval '1 hour' WHERE user_id = $1",
        [bob],
      );
      await service.app.get(OrchestratorService).reconcile();
      assert.deepEqual(
        (await chunks(bob)).map((c) => [c.state, c.lease, c.holder]),
        [['running', 0, null]],
      );
    },
  );

  test(
    'a step is claimed once: a second run is refused while the lease lives, takes over after it lapsed, and stale or finished steps are refused',
    { skip: req.skip },
    async () => {
      const dave = uuidv7();
      const job = await upload(dave);
      const claim = (holder: string, lease = 0): Promise<StepLeaseAnswer> =>
        service.runtime.bus.call<StepLeaseAnswer>(
          RPC.JOBS_STEP_CLAIM,
          { jobId: job.id, chunk: 0, step: 'extract', lease, holder } satisfies StepClaim,
          { timeoutMs: 10_000 },
        );
      const beat = (holder: string, lease = 0): Promise<StepLeaseAnswer> =>
        service.runtime.bus.call<StepLeaseAnswer>(
          RPC.JOBS_STEP_HEARTBEAT,
          { jobId: job.id, chunk: 0, step: 'extract', lease, holder } satisfies StepClaim,
          { timeoutMs: 10_000 },
        );

      assert.deepEqual(await claim('run-1'), { granted: true, leaseMs: 30_000 });
      assert.deepEqual(
        await claim('run-1'),
        { granted: true, leaseMs: 30_000 },
        'a repeated claim of the same run',
      );
      assert.deepEqual(await claim('run-2'), { granted: false, reason: 'held' });
      assert.deepEqual(await beat('run-1'), { granted: true, leaseMs: 30_000 });
      assert.deepEqual(await beat('run-2'), { granted: false, reason: 'held' });
      assert.deepEqual(
        await claim('run-1', 1),
        { granted: false, reason: 'superseded' },
        'no such lease yet',
      );

      // run-1 stops heartbeating: a redelivery of the same queue entry may take over, once.
      await sql.query(
        "UPDATE ingestion.job_chunks SET lease_expires_at = now() - interval '1 second' WHERE job_id = $1",
        [job.id],
      );
      assert.deepEqual(await claim('run-3'), { granted: true, leaseMs: 30_000 });
      assert.deepEqual(
        await beat('run-1'),
        { granted: false, reason: 'held' },
        'the old run learns its lease is gone',
      );
      const [row] = (
        await sql.query<{ runs: number }>(
          'SELECT runs FROM ingestion.job_chunks WHERE job_id = $1 AND chunk = 0',
          [job.id],
        )
      ).rows;
      assert.equal(row?.runs, 2);

      // The new holder dies too and nothing redelivers: the reconciler re-issues under the next lease.
      await sql.query(
        "UPDATE ingestion.job_chunks SET lease_expires_at = now() - interval '1 second' WHERE job_id = $1",
        [job.id],
      );
      await service.app.get(OrchestratorService).reconcile();
      assert.deepEqual(
        (await chunks(dave)).map((c) => [c.state, c.lease, c.holder]),
        [['running', 1, null]],
      );
      assert.deepEqual(await claim('run-3'), { granted: false, reason: 'superseded' });

      await service.runtime.bus.call(
        RPC.JOBS_CANCEL,
        { userId: dave, jobId: job.id },
        { timeoutMs: 10_000, context: { userId: dave } },
      );
      assert.deepEqual(
        await claim('run-4', 1),
        { granted: false, reason: 'finished' },
        'a cancelled job gets no more work',
      );
    },
  );

  test(
    'a dispatched step whose queue entry is gone unclaimed is issued again under the next lease',
    { skip: req.skip },
    async () => {
      const erin = uuidv7();
      const job = await upload(erin);
      // Lease 5 was never enqueued: what a lost enqueue, or an entry failed for good before any claim, leaves behind.
      await sql.query(
        "UPDATE ingestion.job_chunks SET lease = 5, dispatched_at = now() - interval '1 hour' WHERE job_id = $1",
        [job.id],
      );
      await service.app.get(OrchestratorService).reconcile();
      assert.deepEqual(
        (await chunks(erin)).map((c) => [c.state, c.lease, c.holder]),
        [['running', 6, null]],
      );
      assert.equal(
        await service.runtime.queue.isPending(
          QUEUES.EXTRACT,
          stepJobId(QUEUES.EXTRACT, job.id, 0, 6),
        ),
        true,
        'lease 6 waits in the queue',
      );
    },
  );

  test(
    'a chunk whose result is in storage but was never reported is completed by the reconciler, not re-run',
    { skip: req.skip },
    async () => {
      const carol = uuidv7();
      const job = await upload(carol);
      const [chunk] = await chunks(carol);
      assert.equal(chunk?.state, 'running');
      const extractBefore = await service.runtime.queue.depth(QUEUES.EXTRACT);
      const translateBefore = await service.runtime.queue.depth(QUEUES.TRANSLATE);

      // What a worker writes before it would have reported the step done.
      const layout = { schemaVersion: 1, pageCount: 14, pages: [] };
      await storage.put(STORAGE_KEYS.chunkLayout(job.id, 0), Buffer.from(JSON.stringify(layout)));
      // The worker had claimed the step, wrote its result, and died before reporting.
      await sql.query(
        "UPDATE ingestion.job_chunks SET holder = 'gone', lease_expires_at = now() - interval '1 minute' WHERE job_id = $1",
        [job.id],
      );

      await service.app.get(OrchestratorService).reconcile();

      const after = await chunks(carol);
      assert.equal(after[0]?.step, 'translate', 'the extract step counts as done');
      assert.equal(after[0]?.lease, chunk!.lease, 'no new lease: the worker was not re-run');
      assert.equal(
        after.length,
        4,
        'the page count from the stored layout planned the other chunks (14 pages / 4)',
      );
      assert.deepEqual(
        after.map((c) => [c.chunk, c.step, c.state]),
        [
          [0, 'translate', 'running'],
          [1, 'extract', 'running'],
          [2, 'extract', 'pending'],
          [3, 'extract', 'pending'],
        ],
        'chunk 0 moves on to translation; the cap of 1 is per queue, so one new chunk is extracted meanwhile and the others wait',
      );
      const extract = await service.runtime.queue.depth(QUEUES.EXTRACT);
      const translate = await service.runtime.queue.depth(QUEUES.TRANSLATE);
      assert.equal(
        extract.waiting + extract.active,
        extractBefore.waiting + extractBefore.active + 1,
        'chunk 0 is not extracted again (only chunk 1 is queued)',
      );
      assert.equal(
        translate.waiting + translate.active,
        translateBefore.waiting + translateBefore.active + 1,
        'its translation is queued',
      );
    },
  );
});
