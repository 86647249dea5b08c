import { Module } from '@nestjs/common';
import { CancelEventsController } from './cancel-events.controller.js';
import { CancellationRegistry } from './cancellation.registry.js';
import { StepReporter } from './step-reporter.js';
import { StepLeaseClient } from './step-lease.js';
import { StepRunner } from './step-runner.js';
import { WorkerCapacityAnnouncer } from './worker-capacity.js';

/**
 * What every queue worker service shares: step reports to ingestion, the step frame
 * (validation, step leases, retries, final failures), capacity announcements and abort
 * on `job.cancel-requested`.
 */
@Module({
  controllers: [CancelEventsController],
  providers: [
    CancellationRegistry,
    StepReporter,
    StepRunner,
    StepLeaseClient,
    WorkerCapacityAnnouncer,
  ],
  exports: [CancellationRegistry, StepReporter, StepRunner],
})
export class WorkerStepsModule {}
