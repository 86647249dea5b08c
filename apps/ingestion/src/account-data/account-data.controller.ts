import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { RPC, RPC_CONTRACTS, type RpcResponse } from '@docat/contracts';
import { parseOrThrow } from '@docat/service-kit';
import { AccountErasureService } from './account-erasure.service.js';

/** `jobs.erase-user`: part of `DELETE /v1/me`. */
@Controller()
export class AccountDataController {
  constructor(private readonly erasure: AccountErasureService) {}

  @MessagePattern(RPC.JOBS_ERASE_USER)
  erase(@Payload() data: unknown): Promise<RpcResponse<typeof RPC.JOBS_ERASE_USER>> {
    const { userId } = parseOrThrow(RPC_CONTRACTS[RPC.JOBS_ERASE_USER].request, data);
    return this.erasure.erase(userId);
  }
}
