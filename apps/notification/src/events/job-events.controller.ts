import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { EVENTS, RPC, jobEventSchema, notifyEventsContract, type JobEvent } from '@docat/contracts';
import { parseOrThrow, ValidPayload } from '@docat/service-kit';
import type { z } from 'zod';
import { MessageContext } from '@docat/transport';
import { WebhookDispatcher } from '../webhooks/webhook-dispatcher.service.js';
import { JobEventsService } from './job-events.service.js';

@Controller()
export class JobEventsController {
  constructor(
    private readonly events: JobEventsService,
    private readonly webhooks: WebhookDispatcher,
  ) {}

  @EventPattern(EVENTS.JOB_STATE_CHANGED)
  stateChanged(@Payload() data: unknown, @Ctx() ctx: unknown): Promise<void> {
    return this.handle(data, ctx);
  }

  @EventPattern(EVENTS.JOB_PROGRESS)
  progress(@Payload() data: unknown, @Ctx() ctx: unknown): Promise<void> {
    return this.handle(data, ctx);
  }

  @EventPattern(EVENTS.JOB_COMPLETED)
  completed(@Payload() data: unknown, @Ctx() ctx: unknown): Promise<void> {
    return this.handle(data, ctx);
  }

  @EventPattern(EVENTS.JOB_FAILED)
  failed(@Payload() data: unknown, @Ctx() ctx: unknown): Promise<void> {
    return this.handle(data, ctx);
  }

  @EventPattern(EVENTS.JOB_CANCELLED)
  cancelled(@Payload() data: unknown, @Ctx() ctx: unknown): Promise<void> {
    return this.handle(data, ctx);
  }

  @MessagePattern(RPC.NOTIFY_EVENTS)
  async list(
    @ValidPayload(notifyEventsContract.request) req: z.output<typeof notifyEventsContract.request>,
  ): Promise<{ events: JobEvent[] }> {
    return { events: await this.events.after(req.jobId, req.afterSeq, req.limit) };
  }

  /** The event is in the log before webhooks are looked up (see WebhookDispatcher.registerJob). */
  private async handle(data: unknown, ctx: unknown): Promise<void> {
    const event = parseOrThrow(jobEventSchema, data);
    await this.events.record(event);
    await this.webhooks.onJobEvent(
      event,
      ctx instanceof MessageContext ? ctx.getEnvelope().userId : undefined,
    );
  }
}
