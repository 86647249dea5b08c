import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DocatError, makeEnvelope, notifyJobSchema, QUEUES, type NotifyJob } from '@docat/contracts';
import { QUEUE, RATE_LIMITER, type QueueJob, type QueuePort, type RateLimiterPort } from '@docat/service-kit';
import { postWebhook, signatureHeaders } from '@docat/webhooks';
import { WebhookSecrets } from './webhook-secrets.service.js';
import { WebhooksRepository, type DeliveryRow } from './webhooks.repository.js';
import { RETRY_BUDGET_WINDOW_MS, WEBHOOK_SETTINGS, type WebhookSettings } from './webhooks.settings.js';
import { webhookDeadLetters } from '@docat/observability';

/** Thrown to have the queue retry a delivery after its backoff. */
class DeliveryNotAccepted extends Error {}

/**
 * Runs `notify` queue jobs: signs the stored body with a fresh timestamp and POSTs it.
 * A 2xx answer delivers; anything else (a redirect included, which is not followed) is
 * retried with exponential backoff until the attempts run out, then the delivery is
 * dead-lettered: kept in the log as `dead` for a manual redelivery. A URL the SSRF
 * guard refuses fails at once, without a connection.
 *
 * Two limits bound what one account and one job can make Docat send:
 * - the account's webhook rate (WEBHOOK_RATE_LIMIT): a delivery past it is put off
 *   until a slot frees, without using an attempt;
 * - the job's retry budget (WEBHOOK_RETRY_BUDGET): retries of all the job's deliveries
 *   draw from it, and once it is spent a failed delivery is dead-lettered at once. One
 *   job thus causes at most (its endpoints + 1) first attempts plus the budget.
 * Both count in the runtime's limiter (Redis in cluster mode, shared by every replica).
 */
@Injectable()
export class WebhookDeliveryWorker implements OnApplicationBootstrap {
  private readonly logger = new Logger('WebhookDelivery');

  constructor(
    @Inject(QUEUE) private readonly queue: QueuePort,
    @Inject(WEBHOOK_SETTINGS) private readonly settings: WebhookSettings,
    private readonly repository: WebhooksRepository,
    private readonly secrets: WebhookSecrets,
    @Inject(RATE_LIMITER) private readonly limiter: RateLimiterPort,
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
    const retry = job.attempt > 1 || parsed.data.retry === true;
    if (await this.putOff(job, parsed.data, row, retry)) return;
    if (retry && !(await this.withinRetryBudget(row))) {
      await this.repository.recordAttempt(row.id, { state: 'dead', status: null, error: `the job's retry budget (${this.settings.retryBudget}) is spent` });
      webhookDeadLetters.inc();
      this.logger.warn(`delivery ${row.id} dead-lettered: the retry budget of job ${row.job_id} is spent`);
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

  /**
   * True when the account's webhook rate is used up: the run is enqueued again for when
   * a slot frees, with the attempts it has left, and this one ends without a request.
   * A limiter that cannot answer lets the delivery through (a delivery is not dropped
   * because Redis hiccuped).
   */
  private async putOff(job: QueueJob<unknown>, data: NotifyJob, row: DeliveryRow, retry: boolean): Promise<boolean> {
    const { limit, windowMs } = this.settings.rateLimit;
    // A limiter that cannot answer (Redis down) must not hold deliveries back: undefined admits.
    const decision = await this.limiter.hit(`webhook_rate:${row.user_id}`, limit, windowMs).catch(() => undefined);
    if (!decision || decision.allowed) return false;
    const later: NotifyJob = { ...data, ...(retry ? { retry: true } : {}) };
    await this.queue.enqueue(QUEUES.NOTIFY, makeEnvelope(QUEUES.NOTIFY, 1, later, { userId: row.user_id }), {
      jobId: `webhook:${row.id}:${row.redeliveries}:a${job.attempt}:later:${Date.now()}`,
      delayMs: decision.retryAfterMs,
      attempts: Math.max(1, this.settings.attempts - job.attempt + 1),
      backoffMs: this.settings.backoffMs,
    });
    return true;
  }

  private async withinRetryBudget(row: DeliveryRow): Promise<boolean> {
    // A limiter that cannot answer must not drop retries: undefined keeps the delivery within budget.
    const decision = await this.limiter.hit(`webhook_retries:${row.job_id}`, this.settings.retryBudget, RETRY_BUDGET_WINDOW_MS).catch(() => undefined);
    return decision?.allowed ?? true;
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
