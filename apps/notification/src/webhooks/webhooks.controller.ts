import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import {
  DocatError,
  RPC,
  uuidv7,
  type CreatedWebhookEndpoint,
  type WebhookDelivery,
  type WebhookEndpoint,
  WEBHOOK_EVENT_TYPES,
} from '@docat/contracts';
import { RpcHandler, type RpcPayload } from '@docat/service-kit';
import { checkWebhookUrl } from '@docat/webhooks';
import { WebhookDispatcher } from './webhook-dispatcher.service.js';
import { WebhookSecrets } from './webhook-secrets.service.js';
import { deliveryView, endpointView, WebhooksRepository } from './webhooks.repository.js';
import { WEBHOOK_SETTINGS, type WebhookSettings } from './webhooks.settings.js';

/** Account endpoints, their delivery logs, per-job URLs and the account signing secret. Another user's endpoint is NOT_FOUND. */
@Controller()
export class WebhooksController {
  constructor(
    private readonly repository: WebhooksRepository,
    private readonly secrets: WebhookSecrets,
    private readonly dispatcher: WebhookDispatcher,
    @Inject(WEBHOOK_SETTINGS) private readonly settings: WebhookSettings,
  ) {}

  @RpcHandler(RPC.NOTIFY_WEBHOOKS_CREATE)
  async create(
    @Payload() req: RpcPayload<typeof RPC.NOTIFY_WEBHOOKS_CREATE>,
  ): Promise<CreatedWebhookEndpoint> {
    await checkWebhookUrl(req.url, { allowedHosts: this.settings.allowedHosts });
    const { maxEndpoints } = this.settings;
    const maxActive =
      req.plan !== undefined && Object.hasOwn(maxEndpoints.byPlan, req.plan)
        ? maxEndpoints.byPlan[req.plan]!
        : maxEndpoints.default;
    const id = uuidv7();
    const secret = this.secrets.generate();
    const row = await this.repository.createEndpoint({
      id,
      userId: req.userId,
      url: req.url,
      events: [...new Set(req.events ?? WEBHOOK_EVENT_TYPES)],
      ...(req.description ? { description: req.description } : {}),
      secretEnc: await this.secrets.encrypt('endpoint', id, secret),
      maxActive,
    });
    if (!row)
      throw new DocatError(
        'LIMIT_REACHED',
        `An account${req.plan ? ` on the ${req.plan} plan` : ''} may have at most ${maxActive} webhook endpoints: delete one first`,
      );
    return { ...endpointView(row), secret };
  }

  @RpcHandler(RPC.NOTIFY_WEBHOOKS_LIST)
  async list(
    @Payload() req: RpcPayload<typeof RPC.NOTIFY_WEBHOOKS_LIST>,
  ): Promise<{ items: WebhookEndpoint[] }> {
    return { items: (await this.repository.listEndpoints(req.userId)).map(endpointView) };
  }

  @RpcHandler(RPC.NOTIFY_WEBHOOKS_DELETE)
  async delete(
    @Payload() req: RpcPayload<typeof RPC.NOTIFY_WEBHOOKS_DELETE>,
  ): Promise<{ ok: true }> {
    if (!(await this.repository.deleteEndpoint(req.userId, req.endpointId)))
      throw new DocatError('NOT_FOUND');
    return { ok: true };
  }

  @RpcHandler(RPC.NOTIFY_WEBHOOK_DELIVERIES)
  async deliveries(
    @Payload() req: RpcPayload<typeof RPC.NOTIFY_WEBHOOK_DELIVERIES>,
  ): Promise<{ items: WebhookDelivery[] }> {
    const endpoint = await this.repository.endpoint(req.userId, req.endpointId);
    if (!endpoint) throw new DocatError('NOT_FOUND');
    return {
      items: (await this.repository.deliveriesOf(endpoint.id, req.limit)).map(deliveryView),
    };
  }

  @RpcHandler(RPC.NOTIFY_WEBHOOK_REDELIVER)
  async redeliver(
    @Payload() req: RpcPayload<typeof RPC.NOTIFY_WEBHOOK_REDELIVER>,
  ): Promise<WebhookDelivery> {
    const endpoint = await this.repository.endpoint(req.userId, req.endpointId);
    const delivery = endpoint ? await this.repository.delivery(req.deliveryId) : undefined;
    if (!endpoint || !delivery || delivery.endpoint_id !== endpoint.id)
      throw new DocatError('NOT_FOUND');
    const reopened = await this.repository.reopen(delivery.id);
    await this.dispatcher.enqueue(reopened);
    return deliveryView(reopened);
  }

  @RpcHandler(RPC.NOTIFY_JOB_WEBHOOK)
  async jobWebhook(
    @Payload() req: RpcPayload<typeof RPC.NOTIFY_JOB_WEBHOOK>,
  ): Promise<{ ok: true }> {
    await this.dispatcher.registerJob(req.userId, req.jobId, req.url);
    return { ok: true };
  }

  /** Creates or replaces the secret signing the account's per-job webhooks; shown once. */
  @RpcHandler(RPC.NOTIFY_SIGNING_SECRET)
  async signingSecret(
    @Payload() req: RpcPayload<typeof RPC.NOTIFY_SIGNING_SECRET>,
  ): Promise<{ secret: string }> {
    const secret = this.secrets.generate();
    await this.repository.putSigningSecret(
      req.userId,
      await this.secrets.encrypt('signing', req.userId, secret),
      true,
    );
    return { secret };
  }
}
