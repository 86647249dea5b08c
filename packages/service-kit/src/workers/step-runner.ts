import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { z } from 'zod';
import type { ChunkStep, QueueName } from '@docat/contracts';
import { jobStageDuration, staleSteps } from '@docat/observability';
import type { QueueJob, QueuePort, WorkOptions } from '../ports.js';
import { QUEUE } from '../tokens.js';
import { parseOrThrow } from '../errors/validate.js';
import { CancellationRegistry } from './cancellation.registry.js';
import { finalFailure } from './step-errors.js';
import { StepLeaseClient } from './step-lease.js';
import { StepReporter } from './step-reporter.js';
import { WorkerCapacityAnnouncer } from './worker-capacity.js';

type StepPayload = { jobId: string; lease: number; chunk?: number };

/** Pause before retrying a failed attempt, times the attempt number. */
const RETRY_DELAY_MS = 1_000;

/**
 * The common frame of a queue step: validate the payload, claim the step's lease (a
 * stale step, one of a finished job or one another run holds, is acknowledged and
 * dropped unrun), keep the lease with a heartbeat while running, run with a signal that
 * fires on cancel, lease loss or worker stop, and turn errors into either a final
 * `chunk.step-failed` report (document errors, last attempt) or a retry under the same lease.
 */
@Injectable()
export class StepRunner {
  private readonly logger = new Logger(StepRunner.name);

  constructor(
    private readonly registry: CancellationRegistry,
    private readonly reporter: StepReporter,
    private readonly leases: StepLeaseClient,
    private readonly capacity: WorkerCapacityAnnouncer,
    @Inject(QUEUE) private readonly queue: QueuePort,
  ) {}

  /** Consumes `queue` with the step's handler and announces this worker's capacity for it. */
  async work<S extends z.ZodType<StepPayload>>(
    queue: QueueName,
    step: ChunkStep,
    schema: S,
    run: (data: z.infer<S>, signal: AbortSignal, userId?: string) => Promise<void>,
    opts: WorkOptions & { concurrency: number },
  ): Promise<void> {
    await this.queue.work(queue, this.handler(queue, step, schema, run), opts);
    this.capacity.announce(queue, opts.concurrency);
  }

  handler<S extends z.ZodType<StepPayload>>(
    queue: QueueName,
    step: ChunkStep,
    schema: S,
    run: (data: z.infer<S>, signal: AbortSignal, userId?: string) => Promise<void>,
  ): (job: QueueJob<unknown>) => Promise<void> {
    return async (job) => {
      const taken = Date.now();
      const data = parseOrThrow(schema, job.data.data);
      const userId = job.data.userId;
      if (this.registry.isCancelled(data.jobId)) {
        staleSteps.inc({ queue, reason: 'cancelled' });
        return;
      }
      const ref = {
        jobId: data.jobId,
        chunk: data.chunk ?? 0,
        step,
        lease: data.lease,
        // A fresh holder per run, prefixed with this worker: whoever reads the lease (an
        // operator, a fault test) can tell which process holds the step.
        holder: `${this.capacity.worker}/${randomUUID()}`,
      };
      const claim = await this.leases.claim(ref, userId);
      if (!claim.granted) {
        staleSteps.inc({ queue, reason: claim.reason });
        this.logger.debug(
          `${queue} of job ${data.jobId} chunk ${ref.chunk} lease ${data.lease} dropped unrun: ${claim.reason}`,
        );
        return;
      }
      const claimed = Date.now();
      const held = this.leases.hold(ref, claim.leaseMs, userId);
      const tracked = this.registry.track(data.jobId, AbortSignal.any([job.signal, held.lost]));
      const stopTimer = jobStageDuration.startTimer({ stage: step });
      try {
        // A failed attempt that may succeed later is retried here, under the lease this run
        // holds (its heartbeat keeps it), rather than through the queue: a queue retry would
        // claim as another run and wait out this run's lease, and each take-over would find
        // the step failing again without ever reaching its last attempt.
        for (let attempt = Math.max(1, job.attempt); ; attempt++) {
          try {
            await run(data, tracked.signal, userId);
            stopTimer();
            // Where a step's time went, for a job that took longer than it should: waiting in
            // the queue (since the step was sent), claiming its lease, or running.
            this.logger.debug(
              `${queue} of job ${data.jobId} chunk ${ref.chunk} lease ${data.lease}: queued ${Math.max(0, taken - Date.parse(job.data.sentAt))} ms, claimed in ${claimed - taken} ms, ran ${Date.now() - claimed} ms`,
            );
            return;
          } catch (err) {
            if (this.registry.isCancelled(data.jobId)) {
              this.logger.log(`${queue} of job ${data.jobId} aborted: cancelled`);
              return;
            }
            if (held.lost.aborted && !job.signal.aborted) {
              this.logger.warn(
                `${queue} of job ${data.jobId} chunk ${ref.chunk} aborted: ${String((held.lost.reason as Error | undefined)?.message ?? 'step lease lost')}`,
              );
              return;
            }
            if (job.signal.aborted) throw err;
            const failure = finalFailure(err, attempt);
            if (failure) {
              this.logger.warn(
                `${queue} of job ${data.jobId} failed: ${failure.code} ${failure.message}`,
              );
              await this.reporter.failed(
                {
                  jobId: data.jobId,
                  chunk: data.chunk ?? 0,
                  step,
                  lease: data.lease,
                  error: failure,
                },
                userId,
              );
              return;
            }
            this.logger.warn(
              `${queue} of job ${data.jobId} chunk ${ref.chunk} attempt ${attempt} failed, retrying: ${err instanceof Error ? err.message : String(err)}`,
            );
            await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS * attempt));
          }
        }
      } finally {
        held.stop();
        tracked.release();
      }
    };
  }
}
