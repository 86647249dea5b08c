import { Injectable, Logger } from '@nestjs/common';
import { RPC, type EnvelopeContext, type JobView } from '@docat/contracts';
import { ServicesClient } from '../rpc/services.client.js';

/** Jobs listed into one export at most; an account with more gets the newest ones and `jobsTruncated`. */
export const EXPORT_MAX_JOBS = 10_000;

export interface AccountErasure {
  erased: true;
  jobs: number;
  objects: number;
  glossaries: number;
  memoryEntries: number;
  webhooks: number;
}

/**
 * "Your data" across services. The export asks each owning service for what it holds
 * of the account. Erasure asks each to delete it (ingestion: jobs, uploads, results;
 * translation: glossaries and memory; notification: webhook endpoints) and auth last,
 * so a failure part-way leaves the account able to sign in and try again; every step
 * is safe to repeat.
 */
@Injectable()
export class AccountDataService {
  private readonly logger = new Logger('AccountData');

  constructor(private readonly services: ServicesClient) {}

  async export(userId: string, context: EnvelopeContext): Promise<Record<string, unknown>> {
    const account = await this.services.call(RPC.AUTH_ME, { userId }, context);
    const jobs: JobView[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.services.call(
        RPC.JOBS_LIST,
        { userId, limit: 100, ...(cursor ? { cursor } : {}) },
        context,
      );
      jobs.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor && jobs.length < EXPORT_MAX_JOBS);
    const webhooks = await this.services.call(RPC.NOTIFY_WEBHOOKS_LIST, { userId }, context);
    const glossaries = await this.services.call(RPC.TRANSLATION_GLOSSARY_LIST, { userId }, context);
    // Last, so the audit entry it writes stands for an export that was put together.
    const ledger = await this.services.call(RPC.AUTH_ACCOUNT_EXPORT, { userId }, context);
    return {
      exportedAt: new Date().toISOString(),
      account,
      jobs,
      jobsTruncated: Boolean(cursor),
      usage: ledger.usage,
      ledger: ledger.ledger,
      webhooks: webhooks.items,
      glossaries: glossaries.items,
    };
  }

  async erase(userId: string, context: EnvelopeContext): Promise<AccountErasure> {
    const { jobs, objects } = await this.services.call(
      RPC.JOBS_ERASE_USER,
      { userId },
      context,
      120_000,
    );
    const glossaries = (
      await this.services.call(RPC.TRANSLATION_GLOSSARY_LIST, { userId }, context)
    ).items;
    for (const glossary of glossaries)
      await this.services.call(
        RPC.TRANSLATION_GLOSSARY_DELETE,
        { userId, id: glossary.id },
        context,
      );
    const memory = await this.services.call(
      RPC.TRANSLATION_MEMORY_PURGE,
      { userId },
      context,
      60_000,
    );
    const webhooks = (await this.services.call(RPC.NOTIFY_WEBHOOKS_LIST, { userId }, context))
      .items;
    for (const endpoint of webhooks)
      await this.services.call(
        RPC.NOTIFY_WEBHOOKS_DELETE,
        { userId, endpointId: endpoint.id },
        context,
      );
    await this.services.call(RPC.AUTH_ACCOUNT_DELETE, { userId }, context);
    this.logger.log(
      `account erased: ${jobs} jobs, ${objects} stored objects, ${glossaries.length} glossaries, ${webhooks.length} webhook endpoints`,
    );
    return {
      erased: true,
      jobs,
      objects,
      glossaries: glossaries.length,
      memoryEntries: memory.removed,
      webhooks: webhooks.length,
    };
  }
}
