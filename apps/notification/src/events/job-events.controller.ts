import { Controller } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { EVENTS, RPC, jobEventSchema, notifyEventsContract, type JobEvent } from '@docat/contracts';
import { parseOrThrow } from '@docat/service-kit';
import { JobEventsService } from './job-events.service.js';

@Controller()
export class JobEventsController {
  constructor(private readonly events: JobEventsService) {}

  @EventPattern(EVENTS.JOB_STATE_CHANGED)
  stateChanged(@Payload() data: unknown): Promise<void> {
    return this.events.record(parseOrThrow(jobEventSchema, data));
  }

  @EventPattern(EVENTS.JOB_PROGRESS)
  progress(@Payload() data: unknown): Promise<void> {
    return this.events.record(parseOrThrow(jobEventSchema, data));
  }

  @EventPattern(EVENTS.JOB_COMPLETED)
  completed(@Payload() data: unknown): Promise<void> {
    return this.events.record(parseOrThrow(jobEventSchema, data));
  }

  @EventPattern(EVENTS.JOB_FAILED)
  failed(@Payload() data: unknown): Promise<void> {
    return this.events.record(parseOrThrow(jobEventSchema, data));
  }

  @EventPattern(EVENTS.JOB_CANCELLED)
  cancelled(@Payload() data: unknown): Promise<void> {
    return this.events.record(parseOrThrow(jobEventSchema, data));
  }

  @MessagePattern(RPC.NOTIFY_EVENTS)
  async list(@Payload() data: unknown): Promise<{ events: JobEvent[] }> {
    const req = parseOrThrow(notifyEventsContract.request, data);
    return { events: await this.events.after(req.jobId, req.afterSeq, req.limit) };
  }
}
