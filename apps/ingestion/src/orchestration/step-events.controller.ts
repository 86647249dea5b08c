import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { EVENTS, chunkStepDoneSchema, chunkStepFailedSchema, chunkStepProgressSchema } from '@docat/contracts';
import { parseOrThrow } from '@docat/service-kit';
import { JobProgressTracker } from '../events/job-progress.tracker.js';
import { OrchestratorService } from './orchestrator.service.js';

/** Workers' reports, delivered once to ingestion (shared by its replicas). */
@Controller()
export class StepEventsController {
  constructor(
    private readonly orchestrator: OrchestratorService,
    private readonly progress: JobProgressTracker,
  ) {}

  @EventPattern(EVENTS.CHUNK_STEP_DONE)
  done(@Payload() data: unknown): Promise<void> {
    return this.orchestrator.onStepDone(parseOrThrow(chunkStepDoneSchema, data));
  }

  /** In-chunk progress: buffered and applied to the job at most every 250 ms. */
  @EventPattern(EVENTS.CHUNK_STEP_PROGRESS)
  stepProgress(@Payload() data: unknown): void {
    this.progress.report(parseOrThrow(chunkStepProgressSchema, data));
  }

  @EventPattern(EVENTS.CHUNK_STEP_FAILED)
  failed(@Payload() data: unknown): Promise<void> {
    return this.orchestrator.onStepFailed(parseOrThrow(chunkStepFailedSchema, data));
  }
}
