import { Controller, Delete, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CurrentUser } from '../auth/access-token.guard.js';
import type { AuthenticatedUser } from '../auth/access-token.verifier.js';
import { AccountDataService, type AccountErasure } from './account-data.service.js';
import { Envelope } from '../rpc/request-context.js';
import { type EnvelopeContext } from '@docat/contracts';

/** `GET /v1/me/export` and `DELETE /v1/me`: the account's data as JSON, and its erasure. Both are audited by auth. */
@Controller('v1/me')
export class MeController {
  constructor(private readonly accountData: AccountDataService) {}

  @Get('export')
  async export(
    @CurrentUser() user: AuthenticatedUser,
    @Envelope() envelope: EnvelopeContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Record<string, unknown>> {
    const data = await this.accountData.export(user.id, envelope);
    void reply
      .header('content-disposition', 'attachment; filename="docat-export.json"')
      .header('cache-control', 'no-store');
    return data;
  }

  @Delete()
  erase(
    @CurrentUser() user: AuthenticatedUser,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<AccountErasure> {
    return this.accountData.erase(user.id, envelope);
  }
}
