import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { RPC } from '@docat/contracts';
import { ServicesClient } from '../rpc/services.client.js';
import { TokenDenyList } from './token-deny-list.js';

/** How often a gateway re-reads the recent revocations after its first load. */
export const DENY_LIST_REFRESH_MS = 30_000;

/**
 * Fills the deny list at start with the revocations of the last token lifetime, which
 * this replica's broadcast subscription cannot have heard, then re-reads them every
 * {@link DENY_LIST_REFRESH_MS}: a broadcast lost while Redis or this replica's subscription
 * was down then keeps a revoked or erased account's tokens alive for at most that long,
 * not until they expire. The first load runs in the background, retried until auth
 * answers, so a gateway starting before auth still starts.
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
    private readonly refreshMs: number = DENY_LIST_REFRESH_MS,
  ) {}

  onApplicationBootstrap(): void {
    void this.load(1_000, false);
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async load(retryMs: number, loadedBefore: boolean): Promise<void> {
    let next = this.refreshMs;
    try {
      const { items, sessions } = await this.services.call(RPC.AUTH_DENIED_USERS, { sinceSeconds: this.accessTtlSeconds + 60 }, {}, 5_000);
      for (const item of items) this.denyList.deny(item.userId, item.at);
      for (const session of sessions) this.denyList.denySession(session.sessionId, session.at);
      loadedBefore = true;
    } catch (err) {
      if (this.stopped) return;
      const reason = err instanceof Error ? err.message : String(err);
      if (loadedBefore) {
        this.logger.warn(`refreshing recent revocations failed, next try in ${this.refreshMs} ms: ${reason}`);
      } else {
        this.logger.warn(`loading recent revocations failed, retrying: ${reason}`);
        next = retryMs;
      }
    }
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.load(Math.min(retryMs * 2, 30_000), loadedBefore), next);
    this.timer.unref();
  }
}
