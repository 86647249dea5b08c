import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { RPC, type AdminUserList, type AdminUserView, type InviteView } from '@docat/contracts';
import { RpcHandler, type RpcPayload } from '@docat/service-kit';
import { AdminService } from './admin.service.js';

/** The `auth.admin-*` RPC patterns. */
@Controller()
export class AdminController {
  constructor(private readonly admin: AdminService) {}

  @RpcHandler(RPC.AUTH_ADMIN_USERS_LIST)
  async listUsers(
    @Payload() { actorId, ...query }: RpcPayload<typeof RPC.AUTH_ADMIN_USERS_LIST>,
  ): Promise<AdminUserList> {
    await this.admin.assertAdmin(actorId);
    return this.admin.listUsers(query);
  }

  @RpcHandler(RPC.AUTH_ADMIN_USER_SET_DISABLED)
  setDisabled(
    @Payload() { actorId, userId, disabled }: RpcPayload<typeof RPC.AUTH_ADMIN_USER_SET_DISABLED>,
  ): Promise<AdminUserView> {
    return this.admin.setDisabled(actorId, userId, disabled);
  }

  @RpcHandler(RPC.AUTH_ADMIN_USER_SET_PLAN)
  setPlan(
    @Payload() { actorId, userId, plan }: RpcPayload<typeof RPC.AUTH_ADMIN_USER_SET_PLAN>,
  ): Promise<AdminUserView> {
    return this.admin.setPlan(actorId, userId, plan);
  }

  @RpcHandler(RPC.AUTH_ADMIN_INVITE_CREATE)
  createInvite(
    @Payload() { actorId, email, expiresInDays }: RpcPayload<typeof RPC.AUTH_ADMIN_INVITE_CREATE>,
  ): Promise<InviteView> {
    return this.admin.createInvite(actorId, email, expiresInDays);
  }
}
