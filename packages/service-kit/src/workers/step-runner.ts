import { Injectable, Logger } from '@nestjs/common';
import type { z } from 'zod';
import type { ChunkStep, QueueName } from '@docat/contracts';
import { jobStageDuration } from '@docat/observability';
import type { QueueJob } from '../ports.js';
import { parseOrThrow } from '../errors/validate.js';
import { CancellationRegistry } from './cancellation.registry.js';
import { finalFailure } from './step-errors.js';
import { StepReporter } from './step-reporter.js';

/**
 * The common frame of a queue step: validate the payload, skip cancelled jobs, run
 * with a signal that fires on cancel or worker stop, and turn errors into either a
 * final `chunk.step-failed` report (document errors, last attempt) or a retry.
 */
@Injectable()
export class StepRunner {
  private readonly logger = new Logger(StepRunner.name);

  constructor(
    private readonly registry: CancellationRegistry,
    private readonly reporter: StepReporter,
  ) {}

  handler<S extends z.ZodType<{ jobId: string; lease: number; chunk?: number }>>(
    queue: QueueName,
    step: ChunkStep,
    schema: S,
    run: (data: z.infer<S>, signal: AbortSignal, userId?: string) => Promise<void>,
  ): (job: QueueJob<unknown>) => Promise<void> {
    return async (job) => {
      const data = parseOrThrow(schema, job.data.data);
      const userId = job.data.userId;
      if (this.registry.isCancelled(data.jobId)) return;
      const tracked = this.registry.track(data.jobId, job.signal);
      const stopTimer = jobStageDuration.startTimer({ stage: step });
      try {
        await run(data, tracked.signal, userId);
        stopTimer();
      } catch (err) {
        if (this.registry.isCancelled(data.jobId)) {
          this.logger.log(`${queue} of job ${data.jobId} aborted: cancelled`);
          return;
        }
        if (job.signal.aborted) throw err;
        const failure = finalFailure(err, job.attempt);
        if (!failure) throw err;
        this.logger.warn(`${queue} of job ${data.jobId} failed: ${failure.code} ${failure.message}`);
        await this.reporter.failed({ jobId: data.jobId, chunk: data.chunk ?? 0, step, lease: data.lease, error: failure }, userId);
      } finally {
        tracked.release();
      }
    };
  }
}
