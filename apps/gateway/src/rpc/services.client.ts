import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  DocatError,
  RPC_CONTRACTS,
  type EnvelopeContext,
  type RpcRequest,
  type RpcResponse,
} from '@docat/contracts';
import { BUS, type BusClient } from '@docat/service-kit';

type Pattern = keyof typeof RPC_CONTRACTS;

/** Default deadline of a gateway RPC; a client waiting longer than this is better told so. */
const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Typed RPC to the other services. Replies are checked against the contract, so a
 * service answering the wrong shape surfaces as one logged INTERNAL, not as a broken
 * response to a client.
 */
@Injectable()
export class ServicesClient {
  private readonly logger = new Logger('Rpc');

  constructor(@Inject(BUS) private readonly bus: BusClient) {}

  async call<P extends Pattern>(
    pattern: P,
    data: RpcRequest<P>,
    context: EnvelopeContext,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<RpcResponse<P>> {
    const reply = await this.bus.call<unknown>(pattern, data, { timeoutMs, context });
    const parsed = RPC_CONTRACTS[pattern].response.safeParse(reply);
    if (!parsed.success) {
      this.logger.error(`${pattern} answered outside its contract: ${parsed.error.message}`);
      throw new DocatError('INTERNAL');
    }
    return parsed.data as RpcResponse<P>;
  }
}
