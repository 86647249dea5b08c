import { Module, type DynamicModule } from '@nestjs/common';
import type { DocatConfig } from '@docat/config';
import { EVENTS, QUEUES, RPC } from '@docat/contracts';
import { MIGRATIONS } from '@docat/database';
import { CONFIG, KEYRING, RUNTIME, KeyringSource, type Runtime } from '@docat/service-kit';
import { JobEventsController } from './events/job-events.controller.js';
import { JobEventsService } from './events/job-events.service.js';
import { WebhookDeliveryWorker } from './webhooks/webhook-delivery.worker.js';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher.service.js';
import { WebhookSecrets } from './webhooks/webhook-secrets.service.js';
import { WebhooksController } from './webhooks/webhooks.controller.js';
import { WebhooksRepository } from './webhooks/webhooks.repository.js';
import {
  DEFAULT_WEBHOOK_RETRY,
  NOTIFICATION_DB,
  WEBHOOK_KEYRING,
  WEBHOOK_SETTINGS,
  type WebhookSettings,
} from './webhooks/webhooks.settings.js';

/** What the notification process must handle; its boot fails if a handler is missing. */
export const NOTIFICATION_CLAIMS = {
  patterns: [
    RPC.NOTIFY_EVENTS,
    RPC.NOTIFY_WEBHOOKS_CREATE,
    RPC.NOTIFY_WEBHOOKS_LIST,
    RPC.NOTIFY_WEBHOOKS_DELETE,
    RPC.NOTIFY_WEBHOOK_DELIVERIES,
    RPC.NOTIFY_WEBHOOK_REDELIVER,
    RPC.NOTIFY_JOB_WEBHOOK,
    RPC.NOTIFY_SIGNING_SECRET,
    EVENTS.JOB_STATE_CHANGED,
    EVENTS.JOB_PROGRESS,
    EVENTS.JOB_COMPLETED,
    EVENTS.JOB_FAILED,
    EVENTS.JOB_CANCELLED,
  ],
  queues: [QUEUES.NOTIFY],
};

export interface NotificationModuleOptions {
  /** Overrides of the delivery settings (tests shorten the backoff). */
  webhooks?: Partial<Omit<WebhookSettings, 'allowedHosts'>>;
}

/** The notification service: per-job event streams and signed webhook deliveries. */
@Module({})
export class NotificationModule {
  static register(options: NotificationModuleOptions = {}): DynamicModule {
    return {
      module: NotificationModule,
      controllers: [JobEventsController, WebhooksController],
      providers: [
        {
          provide: WEBHOOK_SETTINGS,
          inject: [CONFIG],
          useFactory: (config: DocatConfig): WebhookSettings => ({
            ...DEFAULT_WEBHOOK_RETRY,
            timeoutMs: 10_000,
            concurrency: 8,
            maxEndpoints: config.webhooks.maxEndpoints,
            rateLimit: config.webhooks.rateLimit,
            retryBudget: config.webhooks.retryBudget,
            ...options.webhooks,
            allowedHosts: config.webhooks.allowedHosts,
          }),
        },
        {
          provide: NOTIFICATION_DB,
          inject: [RUNTIME],
          useFactory: (runtime: Runtime) =>
            runtime.dataSourceFor('notification', [], [...MIGRATIONS.notification]),
        },
        {
          provide: WEBHOOK_KEYRING,
          inject: [KEYRING],
          useFactory: (keys: KeyringSource) => keys.get(),
        },
        JobEventsService,
        WebhooksRepository,
        WebhookSecrets,
        WebhookDispatcher,
        WebhookDeliveryWorker,
      ],
    };
  }
}
