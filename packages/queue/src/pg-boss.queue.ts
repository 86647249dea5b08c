import { hostname } from 'node:os';
import { PgBoss, type Job as BossJob } from 'pg-boss';
import { DocatError, type Envelope, type QueueName } from '@docat/contracts';
import {
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF_MS,
  DEFAULT_GRACE_MS,
  DEFAULT_LOCK_MS,
  DEFAULT_RETAIN_COMPLETED_MS,
  type EnqueueOptions,
  type FailedQueueJob,
  type RemoveOutcome,
  type QueueDepth,
  type QueueJob,
  type QueuePort,
  type QueueThroughput,
  type RetryOutcome,
  type StopOptions,
  type WorkOptions,
} from './queue.port.js';
import { stableJobId } from './job-id.js';
import { InFlightJobs } from './in-flight.js';
import { receivedEnvelope } from './envelope-check.js';
import { tracedEnqueue, tracedJob } from './trace-context.js';

export interface PgBossQueueOptions {
  connectionString: string;
  /** pg-boss's own schema; created and migrated by pg-boss at start. */
  schema?: string;
  /** Default job lease for queues created before a worker sets its own; default 30 s. */
  lockMs?: number;
  /** Hard limit of one run (pg-boss `expireInSeconds`), however often it heartbeats; default 1 h. */
  maxRunMs?: number;
  /** Idle poll between fetches; pg-boss's minimum is 500 ms; default 1 s. */
  pollingIntervalMs?: number;
  /** How often pg-boss fails jobs whose heartbeat or expiry lapsed; default 60 s. */
  superviseIntervalMs?: number;
  retainCompletedMs?: number;
  poolMax?: number;
  onError?: (err: Error) => void;
}

/** pg-boss needs heartbeats of at least 10 s. */
function heartbeatSeconds(lockMs: number): number {
  return Math.max(10, Math.ceil(lockMs / 1000));
}

function count(value: unknown): number {
  const n = Number(value ?? 0);
  return Number.isFinite(n) ? n : 0;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,49}$/;

/**
 * The queue port on pg-boss (standalone mode, on the embedded PostgreSQL).
 *
 * pg-boss keeps a job `active` until its heartbeat or expiry lapses and the supervisor
 * notices. A standalone process holds its data-folder lock, so at boot every active job
 * of its schema is an orphan of a previous process: call `recoverActive()` before `work()`.
 */
export class PgBossQueue implements QueuePort {
  readonly #boss: PgBoss;
  readonly #schema: string;
  readonly #lockMs: number;
  readonly #maxRunMs: number;
  readonly #pollingIntervalMs: number;
  readonly #retainCompletedMs: number;
  readonly #queues = new Map<QueueName, Promise<void>>();
  readonly #workers: { queue: QueueName; inFlight: InFlightJobs }[] = [];
  #started: Promise<void> | undefined;
  #stopping = false;

  constructor(opts: PgBossQueueOptions) {
    this.#schema = opts.schema ?? 'docat_queue';
    if (!SCHEMA_NAME.test(this.#schema))
      throw new RangeError(`invalid pg-boss schema name ${this.#schema}`);
    this.#lockMs = opts.lockMs ?? DEFAULT_LOCK_MS;
    this.#maxRunMs = opts.maxRunMs ?? 60 * 60 * 1000;
    this.#pollingIntervalMs = Math.max(500, opts.pollingIntervalMs ?? 1000);
    this.#retainCompletedMs = opts.retainCompletedMs ?? DEFAULT_RETAIN_COMPLETED_MS;
    this.#boss = new PgBoss({
      connectionString: opts.connectionString,
      schema: this.#schema,
      max: opts.poolMax ?? 10,
      useListenNotify: true,
      superviseIntervalSeconds: Math.max(
        1,
        Math.round((opts.superviseIntervalMs ?? 60_000) / 1000),
      ),
      schedule: false,
      openTelemetry: { enabled: false },
    });
    const onError =
      opts.onError ?? ((err: Error) => process.emitWarning(err.message, 'PgBossQueueWarning'));
    this.#boss.on('error', onError);
  }

  /** Installs or migrates pg-boss's schema and starts its supervisor; idempotent. */
  start(): Promise<void> {
    this.#started ??= this.#boss.start().then(() => undefined);
    return this.#started;
  }

  #ensureQueue(queue: QueueName): Promise<void> {
    let ready = this.#queues.get(queue);
    if (!ready) {
      ready = (async () => {
        await this.start();
        if (await this.#boss.getQueue(queue)) return;
        await this.#boss.createQueue(queue, {
          heartbeatSeconds: heartbeatSeconds(this.#lockMs),
          expireInSeconds: Math.ceil(this.#maxRunMs / 1000),
          deleteAfterSeconds: Math.max(1, Math.ceil(this.#retainCompletedMs / 1000)),
          notify: true,
        });
      })();
      ready.catch(() => this.#queues.delete(queue));
      this.#queues.set(queue, ready);
    }
    return ready;
  }

  async enqueue<T>(
    queue: QueueName,
    data: Envelope<T>,
    opts: EnqueueOptions = {},
  ): Promise<{ id: string; created: boolean }> {
    if (this.#stopping) throw new DocatError('SERVICE_UNAVAILABLE', 'queue is stopping');
    await this.#ensureQueue(queue);
    const id = stableJobId(opts.jobId);
    const attempts = opts.attempts ?? DEFAULT_ATTEMPTS;
    const backoffMs = opts.backoffMs ?? DEFAULT_BACKOFF_MS;
    const created = await tracedEnqueue(queue, data, (stamped) =>
      this.#boss.send(queue, stamped, {
        id,
        retryLimit: Math.max(0, attempts - 1),
        // pg-boss counts retry delays in whole seconds.
        retryDelay: Math.max(1, Math.round(backoffMs / 1000)),
        retryBackoff: true,
        priority: opts.priority ?? 0,
        ...(opts.delayMs && opts.delayMs > 0 ? { startAfter: opts.delayMs / 1000 } : {}),
      }),
    );
    return { id, created: created !== null };
  }

  async work<T>(
    queue: QueueName,
    handler: (job: QueueJob<T>) => Promise<void>,
    opts: WorkOptions = {},
  ): Promise<void> {
    if (this.#stopping) throw new DocatError('SERVICE_UNAVAILABLE', 'queue is stopping');
    await this.#ensureQueue(queue);
    if (opts.lockMs !== undefined) {
      // Jobs take the queue's heartbeat when inserted: this governs jobs sent from now on.
      await this.#boss.updateQueue(queue, { heartbeatSeconds: heartbeatSeconds(opts.lockMs) });
    }
    const inFlight = new InFlightJobs();
    this.#workers.push({ queue, inFlight });
    await this.#boss.work<unknown>(
      queue,
      {
        localConcurrency: opts.concurrency ?? 1,
        batchSize: 1,
        pollingIntervalSeconds: this.#pollingIntervalMs / 1000,
        // NOTIFY only announces jobs due at insert; delayed jobs and retries need the poll.
        notifyPollingIntervalSeconds: this.#pollingIntervalMs / 1000,
      },
      async (jobs: BossJob<unknown>[]) => {
        for (const job of jobs) await this.#runOne(queue, job, handler, inFlight);
      },
    );
  }

  async #runOne<T>(
    queue: QueueName,
    job: BossJob<unknown>,
    handler: (job: QueueJob<T>) => Promise<void>,
    inFlight: InFlightJobs,
  ): Promise<void> {
    const data = receivedEnvelope<T>(job.data);
    // A returned job resolves normally: pg-boss's completion is fenced to the attempt it
    // claimed (`state = 'active' AND retry_count = …`), so it leaves the requeued job alone.
    await inFlight.run(
      job.signal,
      (signal) =>
        tracedJob(queue, job.id, job.retryCount + 1, data, () =>
          handler({ id: job.id, queue, data, attempt: job.retryCount + 1, signal }),
        ),
      () => this.#giveBack(queue, job.id, job.retryCount),
    );
  }

  /** Back to `created` without spending an attempt: clearing `started_on` keeps the next claim from counting one. */
  async #giveBack(queue: QueueName, id: string, retryCount: number): Promise<void> {
    await this.#boss.getDb().executeSql(
      `UPDATE ${this.#schema}.job
            SET state = 'created', started_on = NULL, heartbeat_on = NULL, start_after = now()
          WHERE name = $1 AND id = $2 AND state = 'active' AND retry_count = $3`,
      [queue, id, retryCount],
    );
  }

  /**
   * Puts every `active` job of this schema back to `retry`, due now (jobs with no attempt
   * left are failed instead). Only for a process that owns the schema alone, at boot,
   * before `work()`: any job active then was orphaned by a process that died.
   */
  async recoverActive(): Promise<number> {
    await this.start();
    const db = this.#boss.getDb();
    const requeued = await db.executeSql(
      `UPDATE ${this.#schema}.job
          SET state = 'retry', start_after = now(), heartbeat_on = NULL,
              output = jsonb_build_object('message', 'requeued at start: the process running it ended')
        WHERE state = 'active' AND retry_count < retry_limit
        RETURNING id`,
    );
    const exhausted = await db.executeSql(
      `SELECT name, id FROM ${this.#schema}.job WHERE state = 'active'`,
    );
    const byQueue = new Map<string, string[]>();
    for (const row of exhausted.rows as { name: string; id: string }[]) {
      byQueue.set(row.name, [...(byQueue.get(row.name) ?? []), row.id]);
    }
    for (const [name, ids] of byQueue)
      await this.#boss.fail(name, ids, { message: 'the process running it ended' });
    return requeued.rows.length + exhausted.rows.length;
  }

  async depth(queue: QueueName): Promise<QueueDepth> {
    await this.start();
    const { rows } = await this.#boss.getDb().executeSql(
      `SELECT
         count(*) FILTER (WHERE state < 'active' AND start_after <= now()) AS waiting,
         count(*) FILTER (WHERE state = 'active') AS active,
         count(*) FILTER (WHERE state < 'active' AND start_after > now()) AS delayed,
         count(*) FILTER (WHERE state = 'failed') AS failed,
         (EXTRACT(EPOCH FROM now() - min(start_after) FILTER (WHERE state < 'active' AND start_after <= now())) * 1000)::float8 AS oldest
       FROM ${this.#schema}.job WHERE name = $1`,
      [queue],
    );
    const row = (rows[0] ?? {}) as Record<string, unknown>;
    return {
      waiting: count(row.waiting),
      active: count(row.active),
      delayed: count(row.delayed),
      failed: count(row.failed),
      oldestWaitingAgeMs:
        row.oldest === null || row.oldest === undefined ? null : Math.round(count(row.oldest)),
    };
  }

  /**
   * This process counts once while it works the queue; other processes count while the
   * pg-boss instance registry has heard from them (three missed 30 s heartbeats = gone).
   */
  async isPending(queue: QueueName, jobId: string): Promise<boolean> {
    await this.start();
    const found = await this.#boss
      .getDb()
      .executeSql(`SELECT state FROM ${this.#schema}.job WHERE name = $1 AND id::text = $2`, [
        queue,
        stableJobId(jobId),
      ]);
    const state = (found.rows[0] as { state?: string } | undefined)?.state;
    return state === 'created' || state === 'retry' || state === 'active';
  }

  async workersAlive(queue: QueueName): Promise<number> {
    await this.start();
    const local = !this.#stopping && this.#workers.some((w) => w.queue === queue) ? 1 : 0;
    const host = hostname();
    const instances = await this.#boss.getInstances();
    const others = instances.filter(
      (i) =>
        i.live &&
        !(i.pid === process.pid && i.host === host) &&
        i.workers.some((w) => w.queue === queue),
    );
    return local + others.length;
  }

  async throughput(queue: QueueName, windowMs: number): Promise<QueueThroughput> {
    await this.start();
    const { rows } = await this.#boss.getDb().executeSql(
      `SELECT count(*) FILTER (WHERE state = 'completed') AS completed,
              count(*) FILTER (WHERE state = 'failed') AS failed
         FROM ${this.#schema}.job
        WHERE name = $1 AND completed_on > now() - make_interval(secs => $2::float8 / 1000)`,
      [queue, windowMs],
    );
    const row = (rows[0] ?? {}) as Record<string, unknown>;
    return { completed: count(row.completed), failed: count(row.failed) };
  }

  async failedJobs(
    queue: QueueName,
    page: { limit: number; offset: number },
  ): Promise<{ total: number; items: FailedQueueJob[] }> {
    await this.start();
    const db = this.#boss.getDb();
    const [totals, found] = await Promise.all([
      db.executeSql(
        `SELECT count(*) AS n FROM ${this.#schema}.job WHERE name = $1 AND state = 'failed'`,
        [queue],
      ),
      db.executeSql(
        `SELECT id, retry_count, output, completed_on, created_on, data
           FROM ${this.#schema}.job WHERE name = $1 AND state = 'failed'
          ORDER BY completed_on DESC NULLS LAST, id LIMIT $2 OFFSET $3`,
        [queue, page.limit, page.offset],
      ),
    ]);
    const items = (
      found.rows as Array<{
        id: string;
        retry_count: number;
        output: unknown;
        completed_on: Date | null;
        created_on: Date | null;
        data: unknown;
      }>
    ).map((row) => {
      const output = row.output as { message?: unknown } | null;
      return {
        id: row.id,
        attempts: count(row.retry_count) + 1,
        error: (typeof output?.message === 'string'
          ? output.message
          : JSON.stringify(output ?? '')
        ).slice(0, 500),
        failedAt: row.completed_on,
        enqueuedAt: row.created_on,
        data: row.data,
      };
    });
    return { total: count((totals.rows[0] as { n?: unknown } | undefined)?.n), items };
  }

  async retryFailed(queue: QueueName, id: string): Promise<RetryOutcome> {
    await this.start();
    const found = await this.#boss
      .getDb()
      .executeSql(`SELECT state FROM ${this.#schema}.job WHERE name = $1 AND id::text = $2`, [
        queue,
        id,
      ]);
    const state = (found.rows[0] as { state?: string } | undefined)?.state;
    if (state === undefined) return 'not_found';
    if (state !== 'failed') return 'not_failed';
    await this.#boss.retry(queue, id);
    return 'retried';
  }

  async removeFailed(queue: QueueName, id: string): Promise<RemoveOutcome> {
    await this.start();
    const found = await this.#boss.getDb().executeSql(`SELECT state FROM ${this.#schema}.job WHERE name = $1 AND id::text = $2`, [queue, id]);
    const state = (found.rows[0] as { state?: string } | undefined)?.state;
    if (state === undefined) return 'not_found';
    if (state !== 'failed') return 'not_failed';
    await this.#boss.deleteJob(queue, id);
    return 'removed';
  }

  async stop(opts: StopOptions = {}): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    if (!this.#started) return;
    // A start that failed was reported to its caller; stopping only needs it settled.
    await this.#started.catch(() => undefined);
    const graceMs = opts.graceMs ?? DEFAULT_GRACE_MS;
    const queues = new Set(this.#workers.map((w) => w.queue));
    await Promise.all([...queues].map((q) => this.#boss.offWork(q, { wait: false })));
    await Promise.all(this.#workers.map(({ inFlight }) => inFlight.drain(graceMs)));
    await this.#boss.stop({ graceful: true, timeout: 1000, close: true });
  }
}
