import { Controller } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import {
  EVENTS,
  RPC,
  RPC_CONTRACTS,
  chunkStepDoneSchema,
  chunkStepFailedSchema,
  chunkStepProgressSchema,
  workerCapacitySchema,
  type StepLeaseAnswer,
} from '@docat/contracts';
import { parseOrThrow } from '@docat/service-kit';
import { JobProgressTracker } from '../events/job-progress.tracker.js';
import { OrchestratorService } from './orchestrator.service.js';

/** Workers' reports, delivered once to ingestion (shared by its replicas), and their step leases. */
@Controller()
export class StepEventsController {
  constructor(
    private readonly orchestrator: OrchestratorService,
    private readonly progress: JobProgressTracker,
  ) {}

  @MessagePattern(RPC.JOBS_STEP_CLAIM)
  claim(@Payload() data: unknown): Promise<StepLeaseAnswer> {
    return this.orchestrator.claim(parseOrThrow(RPC_CONTRACTS[RPC.JOBS_STEP_CLAIM].request, data));
  }

  @MessagePattern(RPC.JOBS_STEP_HEARTBEAT)
  heartbeat(@Payload() data: unknown): Promise<StepLeaseAnswer> {
    return this.orchestrator.heartbeat(
      parseOrThrow(RPC_CONTRACTS[RPC.JOBS_STEP_HEARTBEAT].request, data),
    );
  }

  @EventPattern(EVENTS.WORKER_CAPACITY)
  capacity(@Payload() data: unknown): Promise<void> {
    return this.orchestrator.workerCapacity(parseOrThrow(workerCapacitySchema, data));
  }

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
