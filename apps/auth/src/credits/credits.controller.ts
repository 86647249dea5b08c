import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { RPC, type AccountExport, type RpcResponse, type Usage } from '@docat/contracts';
import { RpcHandler, type RpcPayload } from '@docat/service-kit';
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

  @RpcHandler(RPC.CREDITS_RESERVE)
  reserve(
    @Payload() req: RpcPayload<typeof RPC.CREDITS_RESERVE>,
  ): Promise<RpcResponse<typeof RPC.CREDITS_RESERVE>> {
    return this.credits.reserve(req.userId, req.jobId, req.credits);
  }

  @RpcHandler(RPC.CREDITS_SETTLE)
  settle(
    @Payload() req: RpcPayload<typeof RPC.CREDITS_SETTLE>,
  ): Promise<RpcResponse<typeof RPC.CREDITS_SETTLE>> {
    return this.credits.settle(req.userId, req.jobId, req.lines);
  }

  @RpcHandler(RPC.CREDITS_RELEASE)
  release(
    @Payload() req: RpcPayload<typeof RPC.CREDITS_RELEASE>,
  ): Promise<RpcResponse<typeof RPC.CREDITS_RELEASE>> {
    return this.credits.release(req.userId, req.jobId);
  }

  @RpcHandler(RPC.CREDITS_USAGE)
  usage(@Payload() req: RpcPayload<typeof RPC.CREDITS_USAGE>): Promise<Usage> {
    return this.credits.usage(req.userId);
  }

  @RpcHandler(RPC.AUTH_ACCOUNT_EXPORT)
  export(
    @Payload() req: RpcPayload<typeof RPC.AUTH_ACCOUNT_EXPORT>,
    @Ctx() context: unknown,
  ): Promise<AccountExport> {
    return this.accountData.export(req.userId, requestIdOf(context));
  }

  @RpcHandler(RPC.AUTH_ACCOUNT_DELETE)
  delete(
    @Payload() req: RpcPayload<typeof RPC.AUTH_ACCOUNT_DELETE>,
    @Ctx() context: unknown,
  ): Promise<RpcResponse<typeof RPC.AUTH_ACCOUNT_DELETE>> {
    return this.accountData.delete(req.userId, requestIdOf(context));
  }
}
