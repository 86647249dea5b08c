import { Controller, Get, Req, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { RPC, type Usage } from '@docat/contracts';
import { AccessTokenGuard, CurrentUser } from '../auth/access-token.guard.js';
import type { AuthenticatedUser } from '../auth/access-token.verifier.js';
import { envelopeContextOf } from '../rpc/request-context.js';
import { ServicesClient } from '../rpc/services.client.js';

/** `GET /v1/usage`: the account's credits in the current period, from auth's ledger. */
@Controller('v1')
@UseGuards(AccessTokenGuard)
export class UsageController {
  constructor(private readonly services: ServicesClient) {}

  @Get('usage')
  usage(@CurrentUser() user: AuthenticatedUser, @Req() request: FastifyRequest): Promise<Usage> {
    return this.services.call(RPC.CREDITS_USAGE, { userId: user.id }, envelopeContextOf(request));
  }
}
