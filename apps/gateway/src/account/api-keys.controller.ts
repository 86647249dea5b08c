import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Req,
  UseGuards,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import {
  apiKeyCreateSchema,
  idSchema,
  RPC,
  type ApiKeyView,
  type CreatedApiKey,
} from '@docat/contracts';
import { parseOrThrow } from '@docat/service-kit';
import { AccessTokenGuard, CurrentUser } from '../auth/access-token.guard.js';
import type { AuthenticatedUser } from '../auth/principal.js';
import { envelopeContextOf } from '../rpc/request-context.js';
import { ServicesClient } from '../rpc/services.client.js';

/** `/v1/api-keys`: create (the key is answered this once), list, revoke. */
@Controller('v1/api-keys')
@UseGuards(AccessTokenGuard)
export class ApiKeysController {
  constructor(private readonly services: ServicesClient) {}

  @Post()
  @HttpCode(201)
  create(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
  ): Promise<CreatedApiKey> {
    const data = parseOrThrow(apiKeyCreateSchema, body ?? {});
    return this.services.call(
      RPC.AUTH_API_KEYS_CREATE,
      { ...data, userId: user.id },
      envelopeContextOf(request),
    );
  }

  @Get()
  list(
    @CurrentUser() user: AuthenticatedUser,
    @Req() request: FastifyRequest,
  ): Promise<{ items: ApiKeyView[] }> {
    return this.services.call(
      RPC.AUTH_API_KEYS_LIST,
      { userId: user.id },
      envelopeContextOf(request),
    );
  }

  /** Takes effect on every gateway within 5 seconds (at once where the broadcast arrives). Another user's key answers 404. */
  @Delete(':id')
  @HttpCode(204)
  async revoke(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Req() request: FastifyRequest,
  ): Promise<void> {
    const keyId = parseOrThrow(idSchema, id);
    await this.services.call(
      RPC.AUTH_API_KEYS_REVOKE,
      { userId: user.id, keyId },
      envelopeContextOf(request),
    );
  }
}
