import { Controller, Delete, Get, HttpCode, Param } from '@nestjs/common';
import { idSchema, RPC, type SessionView, type EnvelopeContext } from '@docat/contracts';
import { parseOrThrow } from '@docat/service-kit';
import { CurrentUser } from '../auth/access-token.guard.js';
import type { AuthenticatedUser } from '../auth/principal.js';
import { ServicesClient } from '../rpc/services.client.js';
import { Envelope } from '../rpc/request-context.js';

/** `/v1/sessions`: the caller's signed-in sessions (one per login), and signing them out. */
@Controller('v1/sessions')
export class SessionsController {
  constructor(private readonly services: ServicesClient) {}

  @Get()
  async list(
    @CurrentUser() user: AuthenticatedUser,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<{ items: SessionView[] }> {
    const { items } = await this.services.call(
      RPC.AUTH_SESSIONS_LIST,
      { userId: user.id },
      envelope,
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
    @Envelope() envelope: EnvelopeContext,
  ): Promise<void> {
    const sessionId = parseOrThrow(idSchema, id);
    await this.services.call(RPC.AUTH_SESSIONS_REVOKE, { userId: user.id, sessionId }, envelope);
  }

  /** Signs out everywhere, this session included: every refresh token and every access token issued so far. */
  @Delete()
  async revokeAll(
    @CurrentUser() user: AuthenticatedUser,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<{ revoked: number }> {
    return this.services.call(RPC.AUTH_SESSIONS_REVOKE_ALL, { userId: user.id }, envelope);
  }
}
