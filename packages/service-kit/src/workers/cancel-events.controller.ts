import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { EVENTS, jobCancelRequestedSchema } from '@docat/contracts';
import { parseOrThrow } from '../errors/validate.js';
import { CancellationRegistry } from './cancellation.registry.js';

/** `job.cancel-requested` is a broadcast: every replica hears it and aborts its own steps. */
@Controller()
export class CancelEventsController {
  constructor(private readonly registry: CancellationRegistry) {}

  @EventPattern(EVENTS.JOB_CANCEL_REQUESTED)
  cancelled(@Payload() data: unknown): void {
    this.registry.cancel(parseOrThrow(jobCancelRequestedSchema, data).jobId);
  }
}
