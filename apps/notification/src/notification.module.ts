import { Module, type DynamicModule } from '@nestjs/common';
import { JobEventsController } from './events/job-events.controller.js';
import { JobEventsService } from './events/job-events.service.js';

/** The notification service: per-job event streams (SSE and webhooks build on them later). */
@Module({})
export class NotificationModule {
  static register(): DynamicModule {
    return { module: NotificationModule, controllers: [JobEventsController], providers: [JobEventsService] };
  }
}
