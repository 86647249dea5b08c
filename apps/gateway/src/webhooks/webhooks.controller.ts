import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import {
  createWebhookEndpointSchema,
  RPC,
  type CreatedWebhookEndpoint,
  type WebhookDelivery,
  type WebhookEndpoint,
  type EnvelopeContext,
} from '@docat/contracts';
import { parseOrThrow } from '@docat/service-kit';
import { CurrentUser } from '../auth/access-token.guard.js';
import type { AuthenticatedUser } from '../auth/access-token.verifier.js';
import { uuidParam } from '../http/path-params.js';
import { ServicesClient } from '../rpc/services.client.js';
import { Envelope } from '../rpc/request-context.js';

const deliveriesQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(50) });

/**
 * `/v1/webhooks`: account endpoints notified when a job ends, their delivery logs, and
 * the secret signing per-job `webhookUrl` deliveries. The notification service owns
 * them and applies the SSRF guard; another user's endpoint is NOT_FOUND.
 */
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(private readonly services: ServicesClient) {}

  @Post()
  @HttpCode(201)
  create(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: unknown,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<CreatedWebhookEndpoint> {
    const input = parseOrThrow(createWebhookEndpointSchema, body ?? {});
    return this.services.call(
      RPC.NOTIFY_WEBHOOKS_CREATE,
      { userId: user.id, plan: user.plan, ...input },
      envelope,
    );
  }

  @Get()
  list(
    @CurrentUser() user: AuthenticatedUser,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<{ items: WebhookEndpoint[] }> {
    return this.services.call(RPC.NOTIFY_WEBHOOKS_LIST, { userId: user.id }, envelope);
  }

  /** Replaces the account's signing secret for per-job webhooks and shows it, once. */
  @Post('signing-secret')
  @HttpCode(201)
  signingSecret(
    @CurrentUser() user: AuthenticatedUser,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<{ secret: string }> {
    return this.services.call(RPC.NOTIFY_SIGNING_SECRET, { userId: user.id }, envelope);
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<void> {
    await this.services.call(
      RPC.NOTIFY_WEBHOOKS_DELETE,
      { userId: user.id, endpointId: uuidParam(id) },
      envelope,
    );
  }

  @Get(':id/deliveries')
  deliveries(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Query() query: unknown,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<{ items: WebhookDelivery[] }> {
    const { limit } = parseOrThrow(deliveriesQuery, query ?? {});
    return this.services.call(
      RPC.NOTIFY_WEBHOOK_DELIVERIES,
      { userId: user.id, endpointId: uuidParam(id), limit },
      envelope,
    );
  }

  @Post(':id/deliveries/:deliveryId/redeliver')
  @HttpCode(202)
  redeliver(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Param('deliveryId') deliveryId: string,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<WebhookDelivery> {
    return this.services.call(
      RPC.NOTIFY_WEBHOOK_REDELIVER,
      {
        userId: user.id,
        endpointId: uuidParam(id),
        deliveryId: uuidParam(deliveryId, 'deliveryId'),
      },
      envelope,
    );
  }
}
