import {
  Queue,
  UnrecoverableError,
  WaitingError,
  Worker,
  type Job,
  type JobsOptions,
} from 'bullmq';
import { Redis, type Cluster } from 'ioredis';
import { DocatError, uuidv7, type Envelope, type QueueName } from '@docat/contracts';
import {
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF_MS,
  DEFAULT_GRACE_MS,
  DEFAULT_LOCK_MS,
  DEFAULT_RETAIN_COMPLETED_MS,
  DEFAULT_RETAIN_FAILED_MS,
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

export interface BullMqQueueOptions {
  /**
   * A Redis URL, or a factory of fresh clients (for Redis Cluster, return an ioredis
   * `Cluster`). Each call must return a new connection created with
   * `maxRetriesPerRequest: null`: BullMQ workers block on Redis and must never give up
   * a command. The server must run with `maxmemory-policy noeviction`, or Redis may evict
   * job keys under memory pressure; keep cache and rate limits on `REDIS_CACHE_URL`.
   */
  redis: string | (() => Redis | Cluster);
  /** Namespace of every key, so deployments and test runs sharing a server stay apart. */
  keyPrefix?: string;
  retainCompletedMs?: number;
  retainFailedMs?: number;
}

/** BullMQ priorities run lowest first from 1 to 2^21; the port's run highest first around 0. */
const PRIORITY_ZERO = 1_048_576;

function bullPriority(priority = 0): number {
  if (!Number.isInteger(priority) || Math.abs(priority) >= PRIORITY_ZERO) {
    throw new RangeError(
      `priority must be an integer between ${-PRIORITY_ZERO + 1} and ${PRIORITY_ZERO - 1}`,
    );
  }
  return PRIORITY_ZERO - priority;
}

/**
 * The queue port on BullMQ (cluster mode).
 *
 * Keys: BullMQ names every key of a queue `<prefix>:<name>:<suffix>`. The prefix given
 * to BullMQ is `{<keyPrefix>:<queue>}`, so each queue's keys share one hash tag (one
 * Redis Cluster slot, as BullMQ's Lua scripts need) while different queues spread over
 * the cluster.
 */
export class BullMqQueue implements QueuePort {
  readonly #opts: Required<Omit<BullMqQueueOptions, 'redis'>> & Pick<BullMqQueueOptions, 'redis'>;
  readonly #queues = new Map<QueueName, Queue>();
  readonly #workers: { queue: QueueName; worker: Worker; inFlight: InFlightJobs }[] = [];
  readonly #connections: (Redis | Cluster)[] = [];
  #stopping = false;
  #adminClient: Redis | Cluster | undefined;

  constructor(opts: BullMqQueueOptions) {
    this.#opts = {
      redis: opts.redis,
      keyPrefix: opts.keyPrefix ?? 'docat',
      retainCompletedMs: opts.retainCompletedMs ?? DEFAULT_RETAIN_COMPLETED_MS,
      retainFailedMs: opts.retainFailedMs ?? DEFAULT_RETAIN_FAILED_MS,
    };
    if (/[{}]/.test(this.#opts.keyPrefix))
      throw new RangeError('keyPrefix must not contain { or }');
  }

  /** The BullMQ key prefix of a queue: one hash tag per queue. */
  bullPrefix(queue: QueueName): string {
    return `{${this.#opts.keyPrefix}:${queue}}`;
  }

  #connect(): Redis | Cluster {
    const { redis } = this.#opts;
    const client =
      typeof redis === 'string' ? new Redis(redis, { maxRetriesPerRequest: null }) : redis();
    this.#connections.push(client);
    return client;
  }

  #queue(name: QueueName): Queue {
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.#connect(), prefix: this.bullPrefix(name) });
      queue.on('error', () => undefined);
      this.#queues.set(name, queue);
    }
    return queue;
  }

  async enqueue<T>(
    queue: QueueName,
    data: Envelope<T>,
    opts: EnqueueOptions = {},
  ): Promise<{ id: string; created: boolean }> {
    if (this.#stopping) throw new DocatError('SERVICE_UNAVAILABLE', 'queue is stopping');
    const id = stableJobId(opts.jobId);
    // The job name carries a nonce: BullMQ answers a duplicate id with the existing job's
    // id, so reading the stored name back is what tells a new job from a duplicate.
    const nonce = uuidv7();
    const jobOpts: JobsOptions = {
      jobId: id,
      attempts: opts.attempts ?? DEFAULT_ATTEMPTS,
      backoff: { type: 'exponential', delay: opts.backoffMs ?? DEFAULT_BACKOFF_MS },
      priority: bullPriority(opts.priority),
      removeOnComplete: { age: Math.ceil(this.#opts.retainCompletedMs / 1000) },
      removeOnFail: { age: Math.ceil(this.#opts.retainFailedMs / 1000) },
    };
    if (opts.delayMs && opts.delayMs > 0) jobOpts.delay = opts.delayMs;
    const q = this.#queue(queue);
    await tracedEnqueue(queue, data, (stamped) => q.add(nonce, stamped, jobOpts));
    const stored = await q.getJob(id);
    // A job removed between add and read was ours: a duplicate would have kept the old one.
    return { id, created: stored === undefined || stored.name === nonce };
  }

  async work<T>(
    queue: QueueName,
    handler: (job: QueueJob<T>) => Promise<void>,
    opts: WorkOptions = {},
  ): Promise<void> {
    if (this.#stopping) throw new DocatError('SERVICE_UNAVAILABLE', 'queue is stopping');
    const lockMs = opts.lockMs ?? DEFAULT_LOCK_MS;
    const inFlight = new InFlightJobs();
    const processor = async (job: Job, token?: string, signal?: AbortSignal): Promise<void> => {
      let data: Envelope<T>;
      try {
        data = receivedEnvelope<T>(job.data);
      } catch (err) {
        throw new UnrecoverableError(err instanceof Error ? err.message : 'invalid envelope');
      }
      const outcome = await inFlight.run(
        signal,
        (jobSignal) =>
          tracedJob(queue, String(job.id), job.attemptsMade + 1, data, () =>
            handler({
              id: String(job.id),
              queue,
              data,
              attempt: job.attemptsMade + 1,
              signal: jobSignal,
            }),
          ),
        async () => {
          await job.moveToWait(token);
        },
      );
      // Tells BullMQ the job already went back to `wait`, so it neither completes nor fails it.
      if (outcome === 'returned') throw new WaitingError();
    };
    const worker = new Worker(queue, processor, {
      connection: this.#connect(),
      prefix: this.bullPrefix(queue),
      concurrency: opts.concurrency ?? 1,
      lockDuration: lockMs,
      stalledInterval: lockMs,
      // A job whose worker died goes back to `wait`; a job that kills its worker every
      // time fails after the third such loss instead of looping forever.
      maxStalledCount: 3,
      autorun: true,
    });
    worker.on('error', () => undefined);
    this.#workers.push({ queue, worker, inFlight });
    await worker.waitUntilReady();
  }

  async depth(queue: QueueName): Promise<QueueDepth> {
    const q = this.#queue(queue);
    const counts = await q.getJobCounts('wait', 'prioritized', 'active', 'delayed', 'failed');
    // Prioritized jobs are ordered by priority, not age: the oldest of the next hundred
    // to run stands for the whole backlog.
    const next = await q.getJobs(['wait', 'prioritized'], 0, 99, true);
    const now = Date.now();
    let oldest: number | null = null;
    for (const job of next) {
      const due = job.timestamp + (job.opts.delay ?? 0);
      const age = Math.max(0, now - due);
      if (oldest === null || age > oldest) oldest = age;
    }
    return {
      waiting: (counts.wait ?? 0) + (counts.prioritized ?? 0),
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      failed: counts.failed ?? 0,
      oldestWaitingAgeMs: oldest,
    };
  }

  async isPending(queue: QueueName, jobId: string): Promise<boolean> {
    const state = await this.#queue(queue).getJobState(stableJobId(jobId));
    return (
      state === 'waiting' ||
      state === 'delayed' ||
      state === 'active' ||
      state === 'prioritized' ||
      state === 'waiting-children'
    );
  }

  async workersAlive(queue: QueueName): Promise<number> {
    return this.#queue(queue).getWorkersCount();
  }

  async throughput(queue: QueueName, windowMs: number): Promise<QueueThroughput> {
    const backend = this.#queue(queue).getBackend();
    // One plain connection for operators' reads, opened on first use and closed by stop().
    const client = (this.#adminClient ??= this.#connect());
    // BullMQ's completed and failed sets are scored by the time each job finished.
    const since = Date.now() - windowMs;
    const [completed, failed] = await Promise.all([
      client.zcount(backend.keys.completed!, since, '+inf'),
      client.zcount(backend.keys.failed!, since, '+inf'),
    ]);
    return { completed, failed };
  }

  async failedJobs(
    queue: QueueName,
    page: { limit: number; offset: number },
  ): Promise<{ total: number; items: FailedQueueJob[] }> {
    const q = this.#queue(queue);
    const [total, jobs] = await Promise.all([
      q.getFailedCount(),
      q.getFailed(page.offset, page.offset + page.limit - 1),
    ]);
    return {
      total,
      items: jobs
        .filter((job) => job?.id !== undefined)
        .map((job) => ({
          id: String(job.id),
          attempts: job.attemptsMade,
          error: (job.failedReason ?? '').slice(0, 500),
          failedAt: job.finishedOn ? new Date(job.finishedOn) : null,
          enqueuedAt: job.timestamp ? new Date(job.timestamp) : null,
          data: job.data as unknown,
        })),
    };
  }

  async retryFailed(queue: QueueName, id: string): Promise<RetryOutcome> {
    const job = await this.#queue(queue).getJob(id);
    if (!job) return 'not_found';
    if (!(await job.isFailed())) return 'not_failed';
    await job.retry('failed', { resetAttemptsMade: true });
    return 'retried';
  }

  async removeFailed(queue: QueueName, id: string): Promise<RemoveOutcome> {
    const job = await this.#queue(queue).getJob(id);
    if (!job) return 'not_found';
    if (!(await job.isFailed())) return 'not_failed';
    await job.remove();
    return 'removed';
  }

  async stop(opts: StopOptions = {}): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    const graceMs = opts.graceMs ?? DEFAULT_GRACE_MS;
    await Promise.all(this.#workers.map(({ worker }) => worker.pause(true)));
    await Promise.all(this.#workers.map(({ inFlight }) => inFlight.drain(graceMs)));
    await Promise.all(this.#workers.map(({ worker }) => worker.close()));
    await Promise.all([...this.#queues.values()].map((q) => q.close()));
    await Promise.all(
      this.#connections.map(async (client) => {
        try {
          await client.quit();
        } catch {
          client.disconnect();
        }
      }),
    );
  }
}
