import { Inject, Injectable } from '@nestjs/common';
import {
  jobEventSchema,
  makeEnvelope,
  QUEUES,
  type JobEvent,
  type NotifyJob,
  type WebhookEventType,
} from '@docat/contracts';
import {
  EVENT_LOG,
  jobEventLogName,
  QUEUE,
  type EventLogPort,
  type QueuePort,
} from '@docat/service-kit';
import { checkWebhookUrl } from '@docat/webhooks';
import { webhookEventOf, webhookPayload } from './webhook-payload.js';
import { WebhookSecrets } from './webhook-secrets.service.js';
import { WebhooksRepository, type DeliveryRow } from './webhooks.repository.js';
import { WEBHOOK_SETTINGS, type WebhookSettings } from './webhooks.settings.js';

/**
 * Turns a job's end into deliveries: one to the job's own webhook URL, one to each of
 * the owner's endpoints subscribed to the event. A delivery is recorded first (unique
 * per job, event and target, so an event seen twice is delivered once), then enqueued
 * on the durable `notify` queue under an id derived from it.
 */
@Injectable()
export class WebhookDispatcher {
  constructor(
    private readonly repository: WebhooksRepository,
    private readonly secrets: WebhookSecrets,
    @Inject(QUEUE) private readonly queue: QueuePort,
    @Inject(EVENT_LOG) private readonly log: EventLogPort,
    @Inject(WEBHOOK_SETTINGS) private readonly settings: WebhookSettings,
  ) {}

  /** `userId` is the job owner when the event's envelope named one. */
  async onJobEvent(event: JobEvent, userId: string | undefined): Promise<void> {
    const type = webhookEventOf(event);
    if (!type) return;
    const jobHook = await this.repository.jobWebhook(event.jobId);
    if (jobHook)
      await this.deliver({
        userId: jobHook.user_id,
        endpointId: null,
        url: jobHook.url,
        type,
        event,
      });
    const owner = userId ?? jobHook?.user_id;
    if (!owner) return;
    for (const endpoint of await this.repository.subscribedEndpoints(owner, type)) {
      await this.deliver({
        userId: owner,
        endpointId: endpoint.id,
        url: endpoint.url,
        type,
        event,
      });
    }
  }

  /**
   * Records a job's own webhook URL. A job that already ended (a cached result ends at
   * once) is delivered now from its event log, since its end event may have come first.
   */
  async registerJob(userId: string, jobId: string, url: string): Promise<void> {
    await checkWebhookUrl(url, { allowedHosts: this.settings.allowedHosts });
    if (!(await this.repository.signingSecret(userId))) {
      await this.repository.putSigningSecret(
        userId,
        await this.secrets.encrypt('signing', userId, this.secrets.generate()),
        false,
      );
    }
    await this.repository.putJobWebhook(jobId, userId, url);
    for (const entry of await this.log.read(jobEventLogName(jobId), 0, 1_000)) {
      const parsed = jobEventSchema.safeParse(JSON.parse(entry.payload));
      if (parsed.success && webhookEventOf(parsed.data)) await this.onJobEvent(parsed.data, userId);
    }
  }

  async enqueue(row: DeliveryRow): Promise<void> {
    const data: NotifyJob = {
      deliveryId: row.id,
      url: row.url,
      event: row.event,
      jobId: row.job_id,
      ...(row.endpoint_id ? { endpointId: row.endpoint_id } : {}),
    };
    await this.queue.enqueue(
      QUEUES.NOTIFY,
      makeEnvelope(QUEUES.NOTIFY, 1, data, { userId: row.user_id }),
      {
        jobId: `webhook:${row.id}:${row.redeliveries}`,
        attempts: this.settings.attempts,
        backoffMs: this.settings.backoffMs,
      },
    );
  }

  private async deliver(input: {
    userId: string;
    endpointId: string | null;
    url: string;
    type: WebhookEventType;
    event: JobEvent;
  }): Promise<void> {
    const row = await this.repository.upsertDelivery({
      userId: input.userId,
      endpointId: input.endpointId,
      jobId: input.event.jobId,
      event: input.type,
      url: input.url,
      body: (id) => JSON.stringify(webhookPayload(id, input.type, input.event)),
    });
    // Still pending: new, or recorded by an earlier try that may have died before enqueueing.
    if (row.state === 'pending') await this.enqueue(row);
  }
}
