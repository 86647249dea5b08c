import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import {
  RPC,
  RPC_CONTRACTS,
  type AccountExport,
  type RpcResponse,
  type Usage,
} from '@docat/contracts';
import { parseOrThrow } from '@docat/service-kit';
import { AccountDataService } from './account-data.service.js';
import { CreditsService } from './credits.service.js';

/** The patterns the credits ledger answers; boot fails if one has no handler. */
export const CREDITS_PATTERNS = [
  RPC.CREDITS_RESERVE,
  RPC.CREDITS_SETTLE,
  RPC.CREDITS_RELEASE,
  RPC.CREDITS_USAGE,
  RPC.AUTH_ACCOUNT_EXPORT,
  RPC.AUTH_ACCOUNT_DELETE,
] as const;

/** The request id of the envelope (the transport's message context), for the audit entry. */
function requestIdOf(context: unknown): string | undefined {
  const getEnvelope = (context as { getEnvelope?: () => { requestId?: unknown } } | undefined)
    ?.getEnvelope;
  const requestId =
    typeof getEnvelope === 'function' ? getEnvelope.call(context).requestId : undefined;
  return typeof requestId === 'string' ? requestId.slice(0, 128) : undefined;
}

/** `credits.*` and the account-data patterns of auth. Each validates its payload with the contract's request schema. */
@Controller()
export class CreditsController {
  constructor(
    private readonly credits: CreditsService,
    private readonly accountData: AccountDataService,
  ) {}

  @MessagePattern(RPC.CREDITS_RESERVE)
  reserve(@Payload() data: unknown): Promise<RpcResponse<typeof RPC.CREDITS_RESERVE>> {
    const req = parseOrThrow(RPC_CONTRACTS[RPC.CREDITS_RESERVE].request, data);
    return this.credits.reserve(req.userId, req.jobId, req.credits);
  }

  @MessagePattern(RPC.CREDITS_SETTLE)
  settle(@Payload() data: unknown): Promise<RpcResponse<typeof RPC.CREDITS_SETTLE>> {
    const req = parseOrThrow(RPC_CONTRACTS[RPC.CREDITS_SETTLE].request, data);
    return this.credits.settle(req.userId, req.jobId, req.lines);
  }

  @MessagePattern(RPC.CREDITS_RELEASE)
  release(@Payload() data: unknown): Promise<RpcResponse<typeof RPC.CREDITS_RELEASE>> {
    const req = parseOrThrow(RPC_CONTRACTS[RPC.CREDITS_RELEASE].request, data);
    return this.credits.release(req.userId, req.jobId);
  }

  @MessagePattern(RPC.CREDITS_USAGE)
  usage(@Payload() data: unknown): Promise<Usage> {
    const req = parseOrThrow(RPC_CONTRACTS[RPC.CREDITS_USAGE].request, data);
    return this.credits.usage(req.userId);
  }

  @MessagePattern(RPC.AUTH_ACCOUNT_EXPORT)
  export(@Payload() data: unknown, @Ctx() context: unknown): Promise<AccountExport> {
    const req = parseOrThrow(RPC_CONTRACTS[RPC.AUTH_ACCOUNT_EXPORT].request, data);
    return this.accountData.export(req.userId, requestIdOf(context));
  }

  @MessagePattern(RPC.AUTH_ACCOUNT_DELETE)
  delete(
    @Payload() data: unknown,
    @Ctx() context: unknown,
  ): Promise<RpcResponse<typeof RPC.AUTH_ACCOUNT_DELETE>> {
    const req = parseOrThrow(RPC_CONTRACTS[RPC.AUTH_ACCOUNT_DELETE].request, data);
    return this.accountData.delete(req.userId, requestIdOf(context));
  }
}
