import type { Envelope, QueueName } from '@docat/contracts';

export interface EnqueueOptions {
  /**
   * Idempotency key: a second enqueue with the same id on the same queue creates nothing
   * while the first job is retained (waiting, active, failed, or completed within the
   * adapter's retention). Any string; adapters map it to a stable UUID (`stableJobId`).
   */
  jobId?: string;
  delayMs?: number;
  /** Total runs including the first; default 3. */
  attempts?: number;
  /** Base of the exponential backoff between attempts; default 1000 ms. */
  backoffMs?: number;
  /** Higher runs first; default 0. */
  priority?: number;
}

export interface QueueJob<T> {
  id: string;
  queue: QueueName;
  data: Envelope<T>;
  /** 1 on the first run, incremented by each failed attempt. */
  attempt: number;
  /**
   * Aborted when the worker stops before the handler finished, or when the job's lease
   * is lost. A handler must stop promptly and must not acknowledge side effects after it.
   */
  signal: AbortSignal;
}

export interface WorkOptions {
  /** Jobs this worker runs at once; default 1. */
  concurrency?: number;
  /**
   * Lease of a running job: a worker that stops renewing it (process killed) loses the
   * job to another worker after about this long; default 30 s.
   */
  lockMs?: number;
}

export interface QueueDepth {
  /** Due now and not yet taken (includes jobs waiting to retry whose backoff has passed). */
  waiting: number;
  active: number;
  /** Scheduled for later: delayed enqueues and retries still in backoff. */
  delayed: number;
  /** Failed for good (attempts exhausted) and still retained. */
  failed: number;
  oldestWaitingAgeMs: number | null;
}

/** A queue job that failed for good (attempts exhausted), as operators see it. */
export interface FailedQueueJob {
  id: string;
  /** Runs made, the failing one included. */
  attempts: number;
  /** The last error message, shortened. */
  error: string;
  failedAt: Date | null;
  enqueuedAt: Date | null;
  data: unknown;
}

/** Jobs that finished within a window ending now. */
export interface QueueThroughput {
  completed: number;
  failed: number;
}

export type RetryOutcome = 'retried' | 'not_found' | 'not_failed';
export type RemoveOutcome = 'removed' | 'not_found' | 'not_failed';

export interface StopOptions {
  /** How long in-flight handlers may run on before they are aborted and returned; default 10 s. */
  graceMs?: number;
}

/**
 * The durable work queue. Multi-step work is orchestrated by the owning service from its
 * own tables; the queue only carries single idempotent steps, so both adapters behave
 * alike: at-least-once delivery, retries with exponential backoff, delay, per-worker
 * concurrency and a graceful stop that hands unfinished jobs back.
 */
export interface QueuePort {
  enqueue<T>(
    queue: QueueName,
    data: Envelope<T>,
    opts?: EnqueueOptions,
  ): Promise<{ id: string; created: boolean }>;
  /** Registers a handler; a thrown error fails the attempt (retried until `attempts`). */
  work<T>(
    queue: QueueName,
    handler: (job: QueueJob<T>) => Promise<void>,
    opts?: WorkOptions,
  ): Promise<void>;
  depth(queue: QueueName): Promise<QueueDepth>;
  /**
   * Whether the job enqueued under this `jobId` (EnqueueOptions) is still to run: waiting,
   * delayed, running or waiting to retry. False once it completed or failed for good, or
   * when the queue holds no such job.
   */
  isPending(queue: QueueName, jobId: string): Promise<boolean>;
  /** Live worker registrations (processes or worker objects) consuming the queue. */
  workersAlive(queue: QueueName): Promise<number>;
  /** Operations: jobs that completed or failed for good within the last `windowMs`. */
  throughput(queue: QueueName, windowMs: number): Promise<QueueThroughput>;
  /** Operations: failed jobs still retained, most recent first. */
  failedJobs(
    queue: QueueName,
    page: { limit: number; offset: number },
  ): Promise<{ total: number; items: FailedQueueJob[] }>;
  /** Operations: puts a failed job back in the queue to run again (at least once more). */
  retryFailed(queue: QueueName, id: string): Promise<RetryOutcome>;
  /** Operations: deletes a failed job for good (it will not run again). */
  removeFailed(queue: QueueName, id: string): Promise<RemoveOutcome>;
  /**
   * Stops taking jobs, lets in-flight ones finish for up to `graceMs`, then aborts the
   * rest (their `signal` fires) and returns them to the queue without spending an
   * attempt, and closes every connection.
   */
  stop(opts?: StopOptions): Promise<void>;
}

export const DEFAULT_ATTEMPTS = 3;
export const DEFAULT_BACKOFF_MS = 1_000;
export const DEFAULT_LOCK_MS = 30_000;
export const DEFAULT_GRACE_MS = 10_000;
export const DEFAULT_RETAIN_COMPLETED_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_RETAIN_FAILED_MS = 7 * 24 * 60 * 60 * 1000;
