import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  RPC,
  RPC_CONTRACTS,
  type AdminUserList,
  type AdminUserView,
  type InviteView,
} from '@docat/contracts';
import { parseOrThrow } from '@docat/service-kit';
import { AdminService } from './admin.service.js';

/** The `auth.admin-*` RPC patterns. */
@Controller()
export class AdminController {
  constructor(private readonly admin: AdminService) {}

  @MessagePattern(RPC.AUTH_ADMIN_USERS_LIST)
  async listUsers(@Payload() data: unknown): Promise<AdminUserList> {
    const { actorId, ...query } = parseOrThrow(
      RPC_CONTRACTS[RPC.AUTH_ADMIN_USERS_LIST].request,
      data,
    );
    await this.admin.assertAdmin(actorId);
    return this.admin.listUsers(query);
  }

  @MessagePattern(RPC.AUTH_ADMIN_USER_SET_DISABLED)
  setDisabled(@Payload() data: unknown): Promise<AdminUserView> {
    const { actorId, userId, disabled } = parseOrThrow(
      RPC_CONTRACTS[RPC.AUTH_ADMIN_USER_SET_DISABLED].request,
      data,
    );
    return this.admin.setDisabled(actorId, userId, disabled);
  }

  @MessagePattern(RPC.AUTH_ADMIN_USER_SET_PLAN)
  setPlan(@Payload() data: unknown): Promise<AdminUserView> {
    const { actorId, userId, plan } = parseOrThrow(
      RPC_CONTRACTS[RPC.AUTH_ADMIN_USER_SET_PLAN].request,
      data,
    );
    return this.admin.setPlan(actorId, userId, plan);
  }

  @MessagePattern(RPC.AUTH_ADMIN_INVITE_CREATE)
  createInvite(@Payload() data: unknown): Promise<InviteView> {
    const { actorId, email, expiresInDays } = parseOrThrow(
      RPC_CONTRACTS[RPC.AUTH_ADMIN_INVITE_CREATE].request,
      data,
    );
    return this.admin.createInvite(actorId, email, expiresInDays);
  }
}
