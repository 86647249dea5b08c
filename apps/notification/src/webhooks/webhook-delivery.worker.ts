import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DocatError, notifyJobSchema, QUEUES } from '@docat/contracts';
import { QUEUE, type QueueJob, type QueuePort } from '@docat/service-kit';
import { postWebhook, signatureHeaders } from '@docat/webhooks';
import { WebhookSecrets } from './webhook-secrets.service.js';
import { WebhooksRepository, type DeliveryRow } from './webhooks.repository.js';
import { WEBHOOK_SETTINGS, type WebhookSettings } from './webhooks.settings.js';
import { webhookDeadLetters } from '@docat/observability';

/** Thrown to have the queue retry a delivery after its backoff. */
class DeliveryNotAccepted extends Error {}

/**
 * Runs `notify` queue jobs: signs the stored body with a fresh timestamp and POSTs it.
 * A 2xx answer delivers; anything else (a redirect included, which is not followed) is
 * retried with exponential backoff until the attempts run out, then the delivery is
 * dead-lettered: kept in the log as `dead` for a manual redelivery. A URL the SSRF
 * guard refuses fails at once, without a connection.
 */
@Injectable()
export class WebhookDeliveryWorker implements OnApplicationBootstrap {
  private readonly logger = new Logger('WebhookDelivery');

  constructor(
    @Inject(QUEUE) private readonly queue: QueuePort,
    @Inject(WEBHOOK_SETTINGS) private readonly settings: WebhookSettings,
    private readonly repository: WebhooksRepository,
    private readonly secrets: WebhookSecrets,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.work<unknown>(QUEUES.NOTIFY, (job) => this.run(job), { concurrency: this.settings.concurrency });
  }

  async run(job: QueueJob<unknown>): Promise<void> {
    const parsed = notifyJobSchema.safeParse(job.data.data);
    if (!parsed.success) {
      this.logger.warn(`dropped a malformed notify job ${job.id}`);
      return;
    }
    const row = await this.repository.delivery(parsed.data.deliveryId);
    if (!row || row.state === 'delivered' || row.state === 'failed' || row.state === 'dead') return;
    const secret = await this.secretOf(row);
    if (secret === undefined) {
      const error = row.endpoint_id ? 'the endpoint was deleted' : 'the account has no signing secret';
      await this.repository.recordAttempt(row.id, { state: 'failed', status: null, error });
      return;
    }
    let status: number | null = null;
    let error: string | null = null;
    try {
      const response = await postWebhook({
        url: row.url,
        body: row.body,
        headers: signatureHeaders(secret, row.body),
        guard: { allowedHosts: this.settings.allowedHosts },
        timeoutMs: this.settings.timeoutMs,
        signal: job.signal,
      });
      status = response.status;
    } catch (err) {
      if (err instanceof DocatError && err.code === 'WEBHOOK_URL_FORBIDDEN') {
        await this.repository.recordAttempt(row.id, { state: 'failed', status: null, error: err.detail ?? err.message });
        return;
      }
      error = err instanceof Error ? err.message : String(err);
    }
    if (status !== null && status >= 200 && status < 300) {
      await this.repository.recordAttempt(row.id, { state: 'delivered', status, error: null });
      return;
    }
    const last = job.attempt >= this.settings.attempts;
    await this.repository.recordAttempt(row.id, { state: last ? 'dead' : 'retrying', status, error: error ?? `answered ${status}` });
    if (last) {
      webhookDeadLetters.inc();
      this.logger.warn(`delivery ${row.id} to ${new URL(row.url).host} dead-lettered after ${job.attempt} attempts`);
      return;
    }
    throw new DeliveryNotAccepted(`delivery ${row.id}: ${error ?? `answered ${status}`}`);
  }

  private async secretOf(row: DeliveryRow): Promise<string | undefined> {
    if (row.endpoint_id) {
      const endpoint = await this.repository.endpointById(row.endpoint_id);
      if (!endpoint || endpoint.deleted_at) return undefined;
      return this.secrets.decrypt('endpoint', endpoint.id, endpoint.secret_enc);
    }
    const blob = await this.repository.signingSecret(row.user_id);
    return blob === undefined ? undefined : this.secrets.decrypt('signing', row.user_id, blob);
  }
}
