import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import {
  EVENTS,
  RPC,
  chunkStepDoneSchema,
  chunkStepFailedSchema,
  chunkStepProgressSchema,
  workerCapacitySchema,
  type ChunkStepDone,
  type ChunkStepFailed,
  type ChunkStepProgress,
  type StepLeaseAnswer,
  type WorkerCapacity,
} from '@docat/contracts';
import { RpcHandler, ValidPayload, type RpcPayload } from '@docat/service-kit';
import { JobProgressTracker } from '../events/job-progress.tracker.js';
import { OrchestratorService } from './orchestrator.service.js';

/** Workers' reports, delivered once to ingestion (shared by its replicas), and their step leases. */
@Controller()
export class StepEventsController {
  constructor(
    private readonly orchestrator: OrchestratorService,
    private readonly progress: JobProgressTracker,
  ) {}

  @RpcHandler(RPC.JOBS_STEP_CLAIM)
  claim(@Payload() claim: RpcPayload<typeof RPC.JOBS_STEP_CLAIM>): Promise<StepLeaseAnswer> {
    return this.orchestrator.claim(claim);
  }

  @RpcHandler(RPC.JOBS_STEP_HEARTBEAT)
  heartbeat(
    @Payload() lease: RpcPayload<typeof RPC.JOBS_STEP_HEARTBEAT>,
  ): Promise<StepLeaseAnswer> {
    return this.orchestrator.heartbeat(lease);
  }

  @EventPattern(EVENTS.WORKER_CAPACITY)
  capacity(@ValidPayload(workerCapacitySchema) event: WorkerCapacity): Promise<void> {
    return this.orchestrator.workerCapacity(event);
  }

  @EventPattern(EVENTS.CHUNK_STEP_DONE)
  done(@ValidPayload(chunkStepDoneSchema) event: ChunkStepDone): Promise<void> {
    return this.orchestrator.onStepDone(event);
  }

  /** In-chunk progress: buffered and applied to the job at most every 250 ms. */
  @EventPattern(EVENTS.CHUNK_STEP_PROGRESS)
  stepProgress(@ValidPayload(chunkStepProgressSchema) event: ChunkStepProgress): void {
    this.progress.report(event);
  }

  @EventPattern(EVENTS.CHUNK_STEP_FAILED)
  failed(@ValidPayload(chunkStepFailedSchema) event: ChunkStepFailed): Promise<void> {
    return this.orchestrator.onStepFailed(event);
  }
}
