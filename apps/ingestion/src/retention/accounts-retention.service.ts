import { Inject, Injectable, Logger } from '@nestjs/common';
import { RPC, type RPC_CONTRACTS, type RpcResponse } from '@docat/contracts';
import { retentionDeleted } from '@docat/observability';
import { BUS, type BusClient } from '@docat/service-kit';
import { RETENTION_CLOCK, type Clock } from './clock.js';
import { RETENTION_SETTINGS, type RetentionSettings } from './retention.settings.js';

const CALL_MS = 30_000;

/**
 * RETENTION_ACCOUNTS: auth names the accounts unused for that long, and each is erased
 * the way `DELETE /v1/me` erases an account: its jobs and files (ingestion), glossaries
 * and translation memory (translation), webhook endpoints (notification), then the
 * account itself (auth, last, so that an erasure cut short is retried by the next sweep).
 */
@Injectable()
export class AccountsRetentionService {
  private readonly logger = new Logger('Retention');

  constructor(
    @Inject(BUS) private readonly bus: BusClient,
    @Inject(RETENTION_SETTINGS) private readonly settings: RetentionSettings,
    @Inject(RETENTION_CLOCK) private readonly clock: Clock,
  ) {}

  private call<P extends keyof typeof RPC_CONTRACTS>(
    pattern: P,
    data: unknown,
    timeoutMs = CALL_MS,
  ): Promise<RpcResponse<P>> {
    return this.bus.call<RpcResponse<P>>(pattern, data, { timeoutMs });
  }

  /** Erases every account inactive since before the limit; returns how many. */
  async sweep(signal?: AbortSignal): Promise<number> {
    const inactiveBefore = new Date(
      this.clock.now().getTime() - this.settings.accountsMs,
    ).toISOString();
    let erased = 0;
    for (;;) {
      signal?.throwIfAborted();
      const { userIds } = await this.call(RPC.AUTH_INACTIVE_ACCOUNTS, {
        inactiveBefore,
        limit: this.settings.batch,
      });
      if (userIds.length === 0) break;
      let done = 0;
      for (const userId of userIds) {
        signal?.throwIfAborted();
        try {
          await this.erase(userId);
          done += 1;
          retentionDeleted.inc({ kind: 'accounts' });
        } catch (err) {
          // The account stays listed; the next sweep tries it again.
          this.logger.error(
            `could not erase inactive account ${userId}: ${err instanceof Error ? err.message : String(err)}`,
          );
        }
      }
      erased += done;
      // A page where nothing could be erased would come back unchanged.
      if (done === 0) break;
    }
    if (erased > 0) this.logger.log(`retention sweep: ${erased} inactive accounts erased`);
    return erased;
  }

  private async erase(userId: string): Promise<void> {
    const { jobs, objects } = await this.call(RPC.JOBS_ERASE_USER, { userId }, 120_000);
    const glossaries = (await this.call(RPC.TRANSLATION_GLOSSARY_LIST, { userId })).items;
    for (const glossary of glossaries)
      await this.call(RPC.TRANSLATION_GLOSSARY_DELETE, { userId, id: glossary.id });
    await this.call(RPC.TRANSLATION_MEMORY_PURGE, { userId }, 60_000);
    const webhooks = (await this.call(RPC.NOTIFY_WEBHOOKS_LIST, { userId })).items;
    for (const endpoint of webhooks)
      await this.call(RPC.NOTIFY_WEBHOOKS_DELETE, { userId, endpointId: endpoint.id });
    await this.call(RPC.AUTH_ACCOUNT_DELETE, { userId });
    this.logger.log(
      `inactive account erased: ${jobs} jobs, ${objects} stored objects, ${glossaries.length} glossaries, ${webhooks.length} webhook endpoints`,
    );
  }
}
