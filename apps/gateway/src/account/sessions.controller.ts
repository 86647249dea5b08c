import { Controller, Delete, Get, HttpCode, Param, Req, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { idSchema, RPC, type SessionView } from '@docat/contracts';
import { parseOrThrow } from '@docat/service-kit';
import { AccessTokenGuard, CurrentUser } from '../auth/access-token.guard.js';
import type { AuthenticatedUser } from '../auth/principal.js';
import { envelopeContextOf } from '../rpc/request-context.js';
import { ServicesClient } from '../rpc/services.client.js';

/** `/v1/sessions`: the caller's signed-in sessions (one per login), and signing them out. */
@Controller('v1/sessions')
@UseGuards(AccessTokenGuard)
export class SessionsController {
  constructor(private readonly services: ServicesClient) {}

  @Get()
  async list(
    @CurrentUser() user: AuthenticatedUser,
    @Req() request: FastifyRequest,
  ): Promise<{ items: SessionView[] }> {
    const { items } = await this.services.call(
      RPC.AUTH_SESSIONS_LIST,
      { userId: user.id },
      envelopeContextOf(request),
    );
    return {
      items: items.map((session) => ({ ...session, current: session.id === user.sessionId })),
    };
  }

  /** Another user's session id answers 404, like an unknown one. */
  @Delete(':id')
  @HttpCode(204)
  async revoke(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Req() request: FastifyRequest,
  ): Promise<void> {
    const sessionId = parseOrThrow(idSchema, id);
    await this.services.call(
      RPC.AUTH_SESSIONS_REVOKE,
      { userId: user.id, sessionId },
      envelopeContextOf(request),
    );
  }

  /** Signs out everywhere, this session included: every refresh token and every access token issued so far. */
  @Delete()
  async revokeAll(
    @CurrentUser() user: AuthenticatedUser,
    @Req() request: FastifyRequest,
  ): Promise<{ revoked: number }> {
    return this.services.call(
      RPC.AUTH_SESSIONS_REVOKE_ALL,
      { userId: user.id },
      envelopeContextOf(request),
    );
  }
}
