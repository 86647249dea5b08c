import { Module } from '@nestjs/common';
import { CancelEventsController } from './cancel-events.controller.js';
import { CancellationRegistry } from './cancellation.registry.js';
import { StepReporter } from './step-reporter.js';
import { StepRunner } from './step-runner.js';

/**
 * What every queue worker service shares: step reports to ingestion, the step frame
 * (validation, retries, final failures) and abort on `job.cancel-requested`.
 */
@Module({
  controllers: [CancelEventsController],
  providers: [CancellationRegistry, StepReporter, StepRunner],
  exports: [CancellationRegistry, StepReporter, StepRunner],
})
export class WorkerStepsModule {}
