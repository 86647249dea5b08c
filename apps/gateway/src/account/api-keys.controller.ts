import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  apiKeyCreateSchema,
  idSchema,
  RPC,
  type ApiKeyView,
  type CreatedApiKey,
  type EnvelopeContext,
} from '@docat/contracts';
import { parseOrThrow } from '@docat/service-kit';
import { CurrentUser } from '../auth/access-token.guard.js';
import type { AuthenticatedUser } from '../auth/principal.js';
import { ServicesClient } from '../rpc/services.client.js';
import { Envelope } from '../rpc/request-context.js';

/** `/v1/api-keys`: create (the key is answered this once), list, revoke. */
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly services: ServicesClient) {}

  @Post()
  @HttpCode(201)
  create(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: unknown,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<CreatedApiKey> {
    const data = parseOrThrow(apiKeyCreateSchema, body ?? {});
    return this.services.call(RPC.AUTH_API_KEYS_CREATE, { ...data, userId: user.id }, envelope);
  }

  @Get()
  list(
    @CurrentUser() user: AuthenticatedUser,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<{ items: ApiKeyView[] }> {
    return this.services.call(RPC.AUTH_API_KEYS_LIST, { userId: user.id }, envelope);
  }

  /** Takes effect on every gateway within 5 seconds (at once where the broadcast arrives). Another user's key answers 404. */
  @Delete(':id')
  @HttpCode(204)
  async revoke(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<void> {
    const keyId = parseOrThrow(idSchema, id);
    await this.services.call(RPC.AUTH_API_KEYS_REVOKE, { userId: user.id, keyId }, envelope);
  }
}
