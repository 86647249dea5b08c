import { Controller, Delete, Get, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccessTokenGuard, CurrentUser } from '../auth/access-token.guard.js';
import type { AuthenticatedUser } from '../auth/access-token.verifier.js';
import { envelopeContextOf } from '../rpc/request-context.js';
import { AccountDataService, type AccountErasure } from './account-data.service.js';

/** `GET /v1/me/export` and `DELETE /v1/me`: the account's data as JSON, and its erasure. Both are audited by auth. */
@Controller('v1/me')
@UseGuards(AccessTokenGuard)
export class MeController {
  constructor(private readonly accountData: AccountDataService) {}

  @Get('export')
  async export(
    @CurrentUser() user: AuthenticatedUser,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Record<string, unknown>> {
    const data = await this.accountData.export(user.id, envelopeContextOf(request));
    void reply
      .header('content-disposition', 'attachment; filename="docat-export.json"')
      .header('cache-control', 'no-store');
    return data;
  }

  @Delete()
  erase(
    @CurrentUser() user: AuthenticatedUser,
    @Req() request: FastifyRequest,
  ): Promise<AccountErasure> {
    return this.accountData.erase(user.id, envelopeContextOf(request));
  }
}
