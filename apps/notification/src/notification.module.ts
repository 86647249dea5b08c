import { Module, type DynamicModule } from '@nestjs/common';
import { EVENTS, RPC } from '@docat/contracts';
import { JobEventsController } from './events/job-events.controller.js';
import { JobEventsService } from './events/job-events.service.js';

/** What the notification process must handle; its boot fails if a handler is missing. */
export const NOTIFICATION_CLAIMS = {
  patterns: [RPC.NOTIFY_EVENTS, EVENTS.JOB_STATE_CHANGED, EVENTS.JOB_PROGRESS, EVENTS.JOB_COMPLETED, EVENTS.JOB_FAILED, EVENTS.JOB_CANCELLED],
};

/** The notification service: per-job event streams (SSE and webhooks build on them later). */
@Module({})
export class NotificationModule {
  static register(): DynamicModule {
    return { module: NotificationModule, controllers: [JobEventsController], providers: [JobEventsService] };
  }
}
