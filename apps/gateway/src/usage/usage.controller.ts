import { Controller, Get } from '@nestjs/common';
import { RPC, type Usage, type EnvelopeContext } from '@docat/contracts';
import { CurrentUser } from '../auth/access-token.guard.js';
import type { AuthenticatedUser } from '../auth/access-token.verifier.js';
import { ServicesClient } from '../rpc/services.client.js';
import { Envelope } from '../rpc/request-context.js';

/** `GET /v1/usage`: the account's credits in the current period, from auth's ledger. */
@Controller('v1')
export class UsageController {
  constructor(private readonly services: ServicesClient) {}

  @Get('usage')
  usage(
    @CurrentUser() user: AuthenticatedUser,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<Usage> {
    return this.services.call(RPC.CREDITS_USAGE, { userId: user.id }, envelope);
  }
}
