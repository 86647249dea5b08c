import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { RPC } from '@docat/contracts';
import { ServicesClient } from '../rpc/services.client.js';
import { TokenDenyList } from './token-deny-list.js';

/**
 * Fills the deny list at start with the revocations of the last token lifetime, which
 * this replica's broadcast subscription cannot have heard. In the background, retried
 * until auth answers, so a gateway starting before auth still starts.
 */
@Injectable()
export class DenyListLoader implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('DenyList');
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly services: ServicesClient,
    private readonly denyList: TokenDenyList,
    private readonly accessTtlSeconds: number,
  ) {}

  onApplicationBootstrap(): void {
    void this.load(1_000);
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async load(retryMs: number): Promise<void> {
    try {
      const { items, sessions } = await this.services.call(RPC.AUTH_DENIED_USERS, { sinceSeconds: this.accessTtlSeconds + 60 }, {}, 5_000);
      for (const item of items) this.denyList.deny(item.userId, item.at);
      for (const session of sessions) this.denyList.denySession(session.sessionId, session.at);
    } catch (err) {
      if (this.stopped) return;
      this.logger.warn(`loading recent revocations failed, retrying: ${err instanceof Error ? err.message : String(err)}`);
      this.timer = setTimeout(() => void this.load(Math.min(retryMs * 2, 30_000)), retryMs);
      this.timer.unref();
    }
  }
}
