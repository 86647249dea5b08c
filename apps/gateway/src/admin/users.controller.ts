import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  UseGuards,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import {
  adminSetPlanSchema,
  adminUserListQuerySchema,
  idSchema,
  inviteCreateSchema,
  RPC,
  type AdminUserList,
  type AdminUserView,
  type InviteView,
} from '@docat/contracts';
import { parseOrThrow } from '@docat/service-kit';
import { AccessTokenGuard, AdminGuard, CurrentUser } from '../auth/access-token.guard.js';
import type { AuthenticatedUser } from '../auth/principal.js';
import { envelopeContextOf } from '../rpc/request-context.js';
import { ServicesClient } from '../rpc/services.client.js';

/**
 * `/v1/admin/*`: accounts as administrators manage them. Every route needs the admin
 * role (403 FORBIDDEN otherwise); auth checks the acting account's role again.
 */
@Controller('v1/admin')
@UseGuards(AccessTokenGuard, AdminGuard)
export class AdminUsersController {
  constructor(private readonly services: ServicesClient) {}

  @Get('users')
  list(
    @CurrentUser() admin: AuthenticatedUser,
    @Query() query: unknown,
    @Req() request: FastifyRequest,
  ): Promise<AdminUserList> {
    const data = parseOrThrow(adminUserListQuerySchema, query);
    return this.services.call(
      RPC.AUTH_ADMIN_USERS_LIST,
      { ...data, actorId: admin.id },
      envelopeContextOf(request),
    );
  }

  /** Ends the account's sessions, revokes its API keys and refuses its access tokens on every gateway at once. */
  @Post('users/:id/disable')
  @HttpCode(200)
  disable(
    @CurrentUser() admin: AuthenticatedUser,
    @Param('id') id: string,
    @Req() request: FastifyRequest,
  ): Promise<AdminUserView> {
    return this.setDisabled(admin, id, true, request);
  }

  @Post('users/:id/enable')
  @HttpCode(200)
  enable(
    @CurrentUser() admin: AuthenticatedUser,
    @Param('id') id: string,
    @Req() request: FastifyRequest,
  ): Promise<AdminUserView> {
    return this.setDisabled(admin, id, false, request);
  }

  @Post('users/:id/plan')
  @HttpCode(200)
  setPlan(
    @CurrentUser() admin: AuthenticatedUser,
    @Param('id') id: string,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
  ): Promise<AdminUserView> {
    const userId = parseOrThrow(idSchema, id);
    const { plan } = parseOrThrow(adminSetPlanSchema, body);
    return this.services.call(
      RPC.AUTH_ADMIN_USER_SET_PLAN,
      { actorId: admin.id, userId, plan },
      envelopeContextOf(request),
    );
  }

  /** An invitation code for registration mode `invite`, answered once; bound to `email` when given. */
  @Post('invites')
  @HttpCode(201)
  createInvite(
    @CurrentUser() admin: AuthenticatedUser,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
  ): Promise<InviteView> {
    const data = parseOrThrow(inviteCreateSchema, body ?? {});
    return this.services.call(
      RPC.AUTH_ADMIN_INVITE_CREATE,
      { ...data, actorId: admin.id },
      envelopeContextOf(request),
    );
  }

  private setDisabled(
    admin: AuthenticatedUser,
    id: string,
    disabled: boolean,
    request: FastifyRequest,
  ): Promise<AdminUserView> {
    const userId = parseOrThrow(idSchema, id);
    return this.services.call(
      RPC.AUTH_ADMIN_USER_SET_DISABLED,
      { actorId: admin.id, userId, disabled },
      envelopeContextOf(request),
    );
  }
}
