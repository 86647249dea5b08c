import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { EVENTS, chunkStepDoneSchema, chunkStepFailedSchema } from '@docat/contracts';
import { parseOrThrow } from '@docat/service-kit';
import { OrchestratorService } from './orchestrator.service.js';

/** Workers' reports, delivered once to ingestion (shared by its replicas). */
@Controller()
export class StepEventsController {
  constructor(private readonly orchestrator: OrchestratorService) {}

  @EventPattern(EVENTS.CHUNK_STEP_DONE)
  done(@Payload() data: unknown): Promise<void> {
    return this.orchestrator.onStepDone(parseOrThrow(chunkStepDoneSchema, data));
  }

  @EventPattern(EVENTS.CHUNK_STEP_FAILED)
  failed(@Payload() data: unknown): Promise<void> {
    return this.orchestrator.onStepFailed(parseOrThrow(chunkStepFailedSchema, data));
  }
}
