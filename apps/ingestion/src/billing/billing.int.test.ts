import { createHash } from 'node:crypto';
import 'reflect-metadata';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { AUTH_PATTERNS, AuthModule } from '@docat/auth';
import { loadConfig, type DocatConfig } from '@docat/config';
import {
  DocatError,
  RPC,
  STORAGE_KEYS,
  uploadOptionsSchema,
  uuidv7,
  type DryRun,
  type JobView,
  type UploadOptionsInput,
  type Usage,
  type UserView,
  type EngineChoice,
} from '@docat/contracts';
import { bootstrapService, createClusterRuntime, type RunningService } from '@docat/service-kit';
import { createStorage, type ObjectStorage } from '@docat/storage';
import { corpusFile, requireCorpus, serviceFixture, type ServiceFixture } from '@docat/testing';
import { INGESTION_CLAIMS, IngestionModule } from '../ingestion.module.js';
import { OrchestratorService } from '../orchestration/orchestrator.service.js';
import { BillingService } from './billing.service.js';

/** The engine choice the gateway sends with an upload (`translation.resolve-engine`). */
const PSEUDO_CHOICE: EngineChoice = {
  engine: 'pseudo',
  model: 'pseudo-1',
  paid: false,
  reason: 'pseudo-fallback',
};
const DEEPL_CHOICE: EngineChoice = {
  engine: 'deepl',
  model: 'deepl',
  paid: true,
  reason: 'requested',
};
const engineChoiceOf = (o: UploadOptionsInput): EngineChoice =>
  o.engine === 'deepl' ? DEEPL_CHOICE : PSEUDO_CHOICE;

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return error instanceof DocatError ? error.code : `not a DocatError: ${String(error)}`;
  }
}

/**
 * Credits end to end between ingestion and auth, over the Redis Streams transport, on
 * real PostgreSQL and real PDFs, with no workers: the test reports the chunk steps
 * itself, so it decides what was extracted (and OCR'd) and what a paid engine billed.
 */
describe('billing: probe, reserve, settle, release, idempotency, erasure', () => {
  const req = requireCorpus('tracemonkey.pdf', 'scanned-tracemonkey-p1-2.pdf');
  let fx: ServiceFixture;
  let storage: ObjectStorage;
  let config: DocatConfig;
  let ingestion: RunningService;
  let sql: pg.Client;
  const call = <T>(pattern: string, data: unknown, userId?: string) =>
    ingestion.runtime.bus.call<T>(pattern, data, {
      timeoutMs: 60_000,
      ...(userId ? { context: { userId } } : {}),
    });

  before(async () => {
    if (req.skip) return;
    fx = await serviceFixture();
    config = loadConfig(
      fx.env('cluster', {
        CHUNK_PAGES: '4',
        USER_MAX_CHUNKS_IN_FLIGHT: '16',
        // A small grant, so one job with a paid engine fits and a second does not.
        CREDITS_PLAN_FREE: '100',
        // The test runs the sweep itself.
        DOCAT_RECONCILE_INTERVAL_MS: '3600000',
      }),
    );
    storage = createStorage(config);
    const runtime = () => createClusterRuntime(config, { storage, migrate: true });
    const common = { managementPort: null, exitOnShutdown: false } as const;
    // Auth runs for the credits RPCs; the fixture stops it.
    fx.own(
      await bootstrapService({
        service: 'auth',
        module: AuthModule.register(),
        runtime,
        claims: { patterns: AUTH_PATTERNS },
        ...common,
      }),
    );
    ingestion = fx.own(
      await bootstrapService({
        service: 'ingestion',
        module: IngestionModule.register(),
        runtime,
        claims: INGESTION_CLAIMS,
        ...common,
      }),
    );
    sql = fx.sql;
    // No workers run here: announce what they would, so dispatch is not held to one step per queue.
    for (const queue of ['extract', 'translate'] as const)
      await ingestion.app
        .get(OrchestratorService)
        .workerCapacity({ worker: 'test', queue, concurrency: 64, ttlMs: 3_600_000 });
  });

  after(() => fx?.close());

  async function account(verified = true): Promise<string> {
    const user = await call<UserView>(RPC.AUTH_REGISTER, {
      email: `b${uuidv7().slice(-12)}@example.org`,
      password: 'correct horse battery',
    });
    if (verified)
      await sql.query(`UPDATE auth.users SET email_verified_at = now() WHERE id = $1`, [user.id]);
    return user.id;
  }

  async function stored(
    file: string,
  ): Promise<{ storageKey: string; bytes: number; fileName: string; sha256: string }> {
    const bytes = await readFile(corpusFile(file));
    const storageKey = `uploads/${uuidv7()}`;
    await storage.put(storageKey, bytes);
    return {
      storageKey,
      bytes: bytes.length,
      fileName: file,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    };
  }

  async function create(
    userId: string,
    file: string,
    options: UploadOptionsInput,
    idempotencyKey?: string,
  ): Promise<JobView> {
    const upload = await stored(file);
    const created = await call<JobView>(
      RPC.JOBS_CREATE,
      {
        userId,
        upload,
        options: uploadOptionsSchema.parse(options),
        engine: engineChoiceOf(options),
        ...(idempotencyKey ? { idempotencyKey } : {}),
      },
      userId,
    );
    // The 202 does not wait for the dispatch of the new job: the test does.
    await ingestion.app.get(OrchestratorService).dispatchSettled();
    return created;
  }

  const usage = (userId: string) => call<Usage>(RPC.CREDITS_USAGE, { userId });
  const ledgerRows = async (jobId: string) =>
    (
      await sql.query<{ kind: string; step: string; quantity: string; credits: string }>(
        `SELECT kind, step, quantity, credits FROM auth.credit_ledger WHERE job_id = $1 ORDER BY id`,
        [jobId],
      )
    ).rows.map((r) => `${r.kind}:${r.step}:${r.quantity}:${r.credits}`);
  const billingState = async (jobId: string) =>
    (
      await sql.query<{ state: string; reserved: string; charged: string | null }>(
        `SELECT state, reserved, charged FROM ingestion.job_billing WHERE job_id = $1`,
        [jobId],
      )
    ).rows[0];

  test(
    'a dry run answers pages, scanned pages and estimated credits, and creates nothing',
    { skip: req.skip },
    async () => {
      const user = await account();
      const text = await stored('tracemonkey.pdf');
      const dry = await call<DryRun>(RPC.JOBS_ESTIMATE, {
        userId: user,
        upload: text,
        options: uploadOptionsSchema.parse({ targetLanguage: 'de' }),
        engine: PSEUDO_CHOICE,
      });
      assert.deepEqual(
        [
          dry.dryRun,
          dry.pages,
          dry.selectedPages,
          dry.scannedPages,
          dry.estimatedCredits,
          dry.available,
          dry.sufficient,
          dry.probed,
        ],
        [true, 14, 14, 0, 14, 100, true, true],
      );
      const scanned = await stored('scanned-tracemonkey-p1-2.pdf');
      const paid = await call<DryRun>(RPC.JOBS_ESTIMATE, {
        userId: user,
        upload: scanned,
        options: uploadOptionsSchema.parse({ targetLanguage: 'de', engine: 'deepl' }),
        engine: DEEPL_CHOICE,
      });
      // Two scanned pages at 5 credits, and 2 x 5,000 assumed characters for a paid engine at 1 per 1,000.
      assert.deepEqual(
        [
          paid.pages,
          paid.scannedPages,
          paid.textPages,
          paid.paidEngine,
          paid.translationCharacters,
        ],
        [2, 2, 0, true, 10_000],
      );
      assert.deepEqual(paid.breakdown, { text_pages: 0, ocr_pages: 10, translation: 10 });
      assert.equal(paid.estimatedCredits, 20);
      const ranged = await call<DryRun>(RPC.JOBS_ESTIMATE, {
        userId: user,
        upload: text,
        options: uploadOptionsSchema.parse({ targetLanguage: 'de', pages: '2-3,13-40' }),
        engine: PSEUDO_CHOICE,
      });
      assert.deepEqual([ranged.selectedPages, ranged.estimatedCredits], [4, 4]);
      assert.equal(
        (await sql.query(`SELECT 1 FROM ingestion.jobs WHERE user_id = $1`, [user])).rowCount,
        0,
        'no job',
      );
      assert.equal(
        (await sql.query(`SELECT 1 FROM auth.credit_ledger WHERE account = $1`, [user])).rowCount,
        0,
        'nothing reserved',
      );
    },
  );

  test(
    'an upload that does not fit is refused with INSUFFICIENT_CREDITS before any job exists; its upload is removed',
    { skip: req.skip },
    async () => {
      const unverified = await account(false);
      const upload = await stored('tracemonkey.pdf');
      const refused = call(
        RPC.JOBS_CREATE,
        {
          userId: unverified,
          upload,
          options: uploadOptionsSchema.parse({ targetLanguage: 'de' }),
          engine: PSEUDO_CHOICE,
        },
        unverified,
      );
      assert.equal(await codeOf(refused), 'INSUFFICIENT_CREDITS');
      assert.equal(
        (await sql.query(`SELECT 1 FROM ingestion.jobs WHERE user_id = $1`, [unverified])).rowCount,
        0,
      );
      assert.equal(await storage.head(upload.storageKey), null);
      // A verified account here has 100 credits; with a paid engine a 14-page job reserves 14 + 14 x 5,000 characters at 1 per 1,000.
      const verified = await account();
      const paid = call(
        RPC.JOBS_CREATE,
        {
          userId: verified,
          upload: await stored('tracemonkey.pdf'),
          options: uploadOptionsSchema.parse({ targetLanguage: 'de', engine: 'deepl' }),
          engine: DEEPL_CHOICE,
        },
        verified,
      );
      assert.equal(await codeOf(paid), 'resolved', '84 credits fit in 100');
      const second = call(
        RPC.JOBS_CREATE,
        {
          userId: verified,
          upload: await stored('tracemonkey.pdf'),
          options: uploadOptionsSchema.parse({ targetLanguage: 'fr', engine: 'deepl' }),
          engine: DEEPL_CHOICE,
        },
        verified,
      );
      assert.equal(
        await codeOf(second),
        'INSUFFICIENT_CREDITS',
        'another 84 do not fit in the 16 left',
      );
      assert.equal(
        (await sql.query(`SELECT 1 FROM ingestion.jobs WHERE user_id = $1`, [verified])).rowCount,
        1,
      );
    },
  );

  test(
    "the gateway's page count is taken as sent (no read of the upload), within ingestion's bounds; null runs the full probe",
    { skip: req.skip },
    async () => {
      const user = await account();
      const createWith = async (declaredPages: number | null) => {
        const upload = { ...(await stored('tracemonkey.pdf')), declaredPages };
        const job = call<JobView>(
          RPC.JOBS_CREATE,
          {
            userId: user,
            upload,
            options: uploadOptionsSchema.parse({ targetLanguage: 'de', noCache: true }),
            engine: PSEUDO_CHOICE,
          },
          user,
        );
        return { upload, job };
      };
      // tracemonkey.pdf has 14 pages; a count of 3 reserves 3 credits: nothing read it again.
      const three = await createWith(3);
      const threeJob = await three.job;
      assert.equal(Number((await billingState(threeJob.id))?.reserved), 3);
      // null: the page tree was not readable cheaply, so the sandbox's probe counts 14 pages.
      const probed = await (await createWith(null)).job;
      assert.equal(Number((await billingState(probed.id))?.reserved), 14);
      // Ingestion's bounds apply to the count sent; a refusal leaves neither job nor upload.
      const none = await createWith(0);
      assert.equal(await codeOf(none.job), 'PDF_NO_PAGES');
      assert.equal(await storage.head(none.upload.storageKey), null);
      const many = await createWith(config.limits.maxPages + 1);
      assert.equal(await codeOf(many.job), 'PDF_TOO_MANY_PAGES');
      assert.equal(await storage.head(many.upload.storageKey), null);
      assert.equal(
        (await sql.query(`SELECT 1 FROM ingestion.jobs WHERE user_id = $1`, [user])).rowCount,
        2,
      );
      await ingestion.app.get(OrchestratorService).dispatchSettled();
    },
  );

  test(
    'a completed job settles its actual cost once, even when the settle is repeated after a crash',
    { skip: req.skip },
    async () => {
      const user = await account();
      const job = await create(user, 'tracemonkey.pdf', {
        targetLanguage: 'de',
        engine: 'deepl',
        outputs: 'md',
      });
      assert.deepEqual(await billingState(job.id), {
        state: 'open',
        reserved: '84',
        charged: null,
      });
      const before = await usage(user);
      assert.deepEqual([before.reserved, before.used, before.available], [84, 0, 16]);

      const orchestrator = ingestion.app.get(OrchestratorService);
      const layout = (pages: number[], scanned: number[] = []) =>
        Buffer.from(
          JSON.stringify({
            schemaVersion: 1,
            pageCount: 14,
            pages: pages.map((n) => ({ number: n, scanned: scanned.includes(n) })),
          }),
        );
      const lease = async (chunk: number) =>
        (
          await sql.query<{ lease: number }>(
            `SELECT lease FROM ingestion.job_chunks WHERE job_id = $1 AND chunk = $2`,
            [job.id, chunk],
          )
        ).rows[0]!.lease;
      const ranges = [
        [1, 2, 3, 4],
        [5, 6, 7, 8],
        [9, 10, 11, 12],
        [13, 14],
      ];
      for (const [chunk, pages] of ranges.entries()) {
        // Chunk 3's page 14 had no text layer and was OCR'd.
        await storage.put(
          STORAGE_KEYS.chunkLayout(job.id, chunk),
          layout(pages, chunk === 3 ? [14] : []),
        );
        await orchestrator.onStepDone({
          jobId: job.id,
          chunk,
          step: 'extract',
          lease: await lease(chunk),
          documentPages: 14,
          billedCharacters: 0,
          warnings: [],
        });
      }
      for (const chunk of ranges.keys()) {
        await orchestrator.onStepDone({
          jobId: job.id,
          chunk,
          step: 'translate',
          lease: await lease(chunk),
          billedCharacters: 1_500,
          warnings: [],
        });
      }
      await storage.put(STORAGE_KEYS.result(job.id, 'md'), Buffer.from('# translated'));
      const renderLease = (
        await sql.query<{ render_lease: number }>(
          `SELECT render_lease FROM ingestion.jobs WHERE id = $1`,
          [job.id],
        )
      ).rows[0]!.render_lease;
      await orchestrator.onStepDone({
        jobId: job.id,
        chunk: 0,
        step: 'render',
        lease: renderLease,
        billedCharacters: 0,
        warnings: [],
      });

      const expected = [
        'reserve:job:0:84',
        'text_pages:chunk:0:4:4',
        'text_pages:chunk:1:4:4',
        'text_pages:chunk:2:4:4',
        'text_pages:chunk:3:1:1',
        'ocr_pages:chunk:3:1:5',
        'translation:job:6000:6',
        'settle:job:0:24',
      ];
      assert.deepEqual(
        await ledgerRows(job.id),
        expected,
        '13 text pages, 1 OCR page, 6,000 paid characters',
      );
      assert.deepEqual(await billingState(job.id), {
        state: 'settled',
        reserved: '84',
        charged: '24',
      });

      // The process died after auth recorded the settle but before the billing row was closed:
      // the sweep sends it again, and nothing more is charged.
      await sql.query(
        `UPDATE ingestion.job_billing SET state = 'open', charged = NULL WHERE job_id = $1`,
        [job.id],
      );
      await ingestion.app.get(BillingService).sweep();
      assert.deepEqual(await ledgerRows(job.id), expected);
      assert.deepEqual(await billingState(job.id), {
        state: 'settled',
        reserved: '84',
        charged: '24',
      });
      const after = await usage(user);
      assert.deepEqual([after.used, after.reserved, after.available], [24, 0, 76]);
      assert.deepEqual(after.breakdown, {
        text_pages: { quantity: 13, credits: 13 },
        ocr_pages: { quantity: 1, credits: 5 },
        translation: { quantity: 6_000, credits: 6 },
      });

      // The same file and options again is a result-cache hit: a new job, free.
      const cached = await create(user, 'tracemonkey.pdf', {
        targetLanguage: 'de',
        engine: 'deepl',
        outputs: 'md',
      });
      assert.equal(cached.state, 'completed');
      assert.equal(await billingState(cached.id), undefined);
      assert.equal((await usage(user)).used, 24);
    },
  );

  test(
    'cancelled and failed jobs release their reservation, also when the job ended without telling billing',
    { skip: req.skip },
    async () => {
      const user = await account();
      const cancelled = await create(user, 'tracemonkey.pdf', {
        targetLanguage: 'de',
        noCache: true,
      });
      assert.equal((await usage(user)).reserved, 14);
      await call(RPC.JOBS_CANCEL, { userId: user, jobId: cancelled.id }, user);
      assert.deepEqual(await ledgerRows(cancelled.id), ['reserve:job:0:14', 'release:job:0:0']);
      assert.equal((await billingState(cancelled.id))?.state, 'released');

      // A job that ended while ingestion crashed before releasing: the sweep finds it.
      const failed = await create(user, 'tracemonkey.pdf', { targetLanguage: 'de', noCache: true });
      await sql.query(
        `UPDATE ingestion.jobs SET state = 'failed', error_code = 'PDF_CORRUPT' WHERE id = $1`,
        [failed.id],
      );
      assert.equal((await billingState(failed.id))?.state, 'open');
      await ingestion.app.get(BillingService).sweep();
      assert.deepEqual(await ledgerRows(failed.id), ['reserve:job:0:14', 'release:job:0:0']);
      const now = await usage(user);
      assert.deepEqual([now.used, now.reserved, now.available], [0, 0, 100]);
    },
  );

  test(
    'Idempotency-Key: the same key and body answer the same job; another body is IDEMPOTENCY_KEY_REUSED',
    { skip: req.skip },
    async () => {
      const user = await account();
      const key = `key-${uuidv7()}`;
      const first = await create(
        user,
        'tracemonkey.pdf',
        { targetLanguage: 'de', outputs: 'md,txt' },
        key,
      );
      const repeatUpload = await stored('tracemonkey.pdf');
      const again = await call<JobView>(
        RPC.JOBS_CREATE,
        {
          userId: user,
          upload: repeatUpload,
          options: uploadOptionsSchema.parse({ outputs: 'txt,md', targetLanguage: 'de' }),
          engine: PSEUDO_CHOICE,
          idempotencyKey: key,
        },
        user,
      );
      assert.equal(again.id, first.id);
      assert.equal(
        await storage.head(repeatUpload.storageKey),
        null,
        'the repeated upload is not kept',
      );
      assert.equal(
        await codeOf(
          create(user, 'tracemonkey.pdf', { targetLanguage: 'fr', outputs: 'md,txt' }, key),
        ),
        'IDEMPOTENCY_KEY_REUSED',
      );
      assert.equal(
        await codeOf(
          create(
            user,
            'scanned-tracemonkey-p1-2.pdf',
            { targetLanguage: 'de', outputs: 'md,txt' },
            key,
          ),
        ),
        'IDEMPOTENCY_KEY_REUSED',
      );
      assert.equal(
        await codeOf(
          create(
            user,
            'tracemonkey.pdf',
            { targetLanguage: 'de', outputs: 'md,txt', webhookUrl: 'https://example.org/hook' },
            key,
          ),
        ),
        'IDEMPOTENCY_KEY_REUSED',
      );
      // One job, one reservation, whatever was retried.
      assert.equal(
        (await sql.query(`SELECT 1 FROM ingestion.jobs WHERE user_id = $1`, [user])).rowCount,
        1,
      );
      assert.equal((await usage(user)).reserved, 14);
      // Another account may use the same key for its own job.
      const other = await account();
      assert.notEqual(
        (await create(other, 'tracemonkey.pdf', { targetLanguage: 'de', outputs: 'md,txt' }, key))
          .id,
        first.id,
      );
    },
  );

  test(
    'erasing an account deletes its jobs and stored files and releases what it had reserved',
    { skip: req.skip },
    async () => {
      const user = await account();
      const job = await create(user, 'tracemonkey.pdf', { targetLanguage: 'de', noCache: true });
      await storage.put(STORAGE_KEYS.chunkLayout(job.id, 0), Buffer.from('{}'));
      const source = (
        await sql.query<{ source_key: string }>(
          `SELECT source_key FROM ingestion.jobs WHERE id = $1`,
          [job.id],
        )
      ).rows[0]!.source_key;
      const erased = await call<{ jobs: number; objects: number }>(RPC.JOBS_ERASE_USER, {
        userId: user,
      });
      assert.deepEqual(erased, { jobs: 1, objects: 2 });
      assert.equal(await storage.head(source), null);
      assert.equal(await storage.head(STORAGE_KEYS.chunkLayout(job.id, 0)), null);
      for (const table of ['jobs', 'job_chunks', 'job_billing']) {
        assert.equal(
          (await sql.query(`SELECT 1 FROM ingestion.${table} WHERE user_id = $1`, [user])).rowCount,
          0,
          table,
        );
      }
      assert.deepEqual(await ledgerRows(job.id), ['reserve:job:0:14', 'release:job:0:0']);
      assert.deepEqual(
        await call(RPC.JOBS_ERASE_USER, { userId: user }),
        { jobs: 0, objects: 0 },
        'a repeat finds nothing left',
      );
    },
  );
});
