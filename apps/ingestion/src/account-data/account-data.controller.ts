import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { RPC, type RpcResponse } from '@docat/contracts';
import { RpcHandler, type RpcPayload } from '@docat/service-kit';
import { AccountErasureService } from './account-erasure.service.js';

/** `jobs.erase-user`: part of `DELETE /v1/me`. */
@Controller()
export class AccountDataController {
  constructor(private readonly erasure: AccountErasureService) {}

  @RpcHandler(RPC.JOBS_ERASE_USER)
  erase(
    @Payload() { userId }: RpcPayload<typeof RPC.JOBS_ERASE_USER>,
  ): Promise<RpcResponse<typeof RPC.JOBS_ERASE_USER>> {
    return this.erasure.erase(userId);
  }
}
