import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import {
  adminSetPlanSchema,
  adminUserListQuerySchema,
  idSchema,
  inviteCreateSchema,
  RPC,
  type AdminUserList,
  type AdminUserView,
  type InviteView,
  type EnvelopeContext,
} from '@docat/contracts';
import { parseOrThrow } from '@docat/service-kit';
import { AdminGuard, CurrentUser } from '../auth/access-token.guard.js';
import type { AuthenticatedUser } from '../auth/principal.js';
import { ServicesClient } from '../rpc/services.client.js';
import { Envelope } from '../rpc/request-context.js';

/**
 * `/v1/admin/*`: accounts as administrators manage them. Every route needs the admin
 * role (403 FORBIDDEN otherwise); auth checks the acting account's role again.
 */
@Controller('v1/admin')
@UseGuards(AdminGuard)
export class AdminUsersController {
  constructor(private readonly services: ServicesClient) {}

  @Get('users')
  list(
    @CurrentUser() admin: AuthenticatedUser,
    @Query() query: unknown,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<AdminUserList> {
    const data = parseOrThrow(adminUserListQuerySchema, query);
    return this.services.call(RPC.AUTH_ADMIN_USERS_LIST, { ...data, actorId: admin.id }, envelope);
  }

  /** Ends the account's sessions, revokes its API keys and refuses its access tokens on every gateway at once. */
  @Post('users/:id/disable')
  @HttpCode(200)
  disable(
    @CurrentUser() admin: AuthenticatedUser,
    @Param('id') id: string,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<AdminUserView> {
    return this.setDisabled(admin, id, true, envelope);
  }

  @Post('users/:id/enable')
  @HttpCode(200)
  enable(
    @CurrentUser() admin: AuthenticatedUser,
    @Param('id') id: string,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<AdminUserView> {
    return this.setDisabled(admin, id, false, envelope);
  }

  @Post('users/:id/plan')
  @HttpCode(200)
  setPlan(
    @CurrentUser() admin: AuthenticatedUser,
    @Param('id') id: string,
    @Body() body: unknown,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<AdminUserView> {
    const userId = parseOrThrow(idSchema, id);
    const { plan } = parseOrThrow(adminSetPlanSchema, body);
    return this.services.call(
      RPC.AUTH_ADMIN_USER_SET_PLAN,
      { actorId: admin.id, userId, plan },
      envelope,
    );
  }

  /** An invitation code for registration mode `invite`, answered once; bound to `email` when given. */
  @Post('invites')
  @HttpCode(201)
  createInvite(
    @CurrentUser() admin: AuthenticatedUser,
    @Body() body: unknown,
    @Envelope() envelope: EnvelopeContext,
  ): Promise<InviteView> {
    const data = parseOrThrow(inviteCreateSchema, body ?? {});
    return this.services.call(
      RPC.AUTH_ADMIN_INVITE_CREATE,
      { ...data, actorId: admin.id },
      envelope,
    );
  }

  private setDisabled(
    admin: AuthenticatedUser,
    id: string,
    disabled: boolean,
    envelope: EnvelopeContext,
  ): Promise<AdminUserView> {
    const userId = parseOrThrow(idSchema, id);
    return this.services.call(
      RPC.AUTH_ADMIN_USER_SET_DISABLED,
      { actorId: admin.id, userId, disabled },
      envelope,
    );
  }
}
