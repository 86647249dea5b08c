import { Injectable } from '@nestjs/common';
import { DocatError, type AccountExport } from '@docat/contracts';
import { AuthEventsPublisher } from '../events/auth-events.publisher.js';
import { accountReference } from './account-reference.js';
import { CreditsRepository } from './credits.repository.js';
import { CreditsService } from './credits.service.js';

/**
 * What auth does for "your data": the export of an account's usage and ledger, and the
 * erasure of the account. Erasure keeps the ledger for accounting but replaces the
 * account id in it by an anonymous reference; both actions leave an audit entry that
 * names only that reference.
 */
@Injectable()
export class AccountDataService {
  constructor(
    private readonly ledger: CreditsRepository,
    private readonly credits: CreditsService,
    private readonly events: AuthEventsPublisher,
  ) {}

  async export(userId: string, requestId?: string): Promise<AccountExport> {
    const usage = await this.credits.usage(userId);
    const ledger = await this.ledger.entries(userId);
    await this.ledger.audit(
      'account.export',
      accountReference(userId),
      { ledgerEntries: ledger.length },
      requestId,
    );
    return { usage, ledger };
  }

  async delete(
    userId: string,
    requestId?: string,
  ): Promise<{ erased: boolean; reference: string }> {
    const reference = accountReference(userId);
    const erased = await this.ledger.transaction(async (tx) => {
      await this.ledger.lockAccount(userId, tx);
      // A reservation holds the user row FOR KEY SHARE while it writes: wait for those in
      // flight, and make later ones find no account, before the ledger is anonymised.
      await this.ledger.lockUser(userId, tx);
      await this.ledger.deleteBalances(userId, tx);
      const anonymised = await this.ledger.anonymise(userId, reference, tx);
      // Sessions, API keys and mail tokens go with the user row (ON DELETE CASCADE).
      const deleted = await this.ledger.deleteUser(userId, tx);
      if (!deleted) return false;
      await this.ledger.audit(
        'account.delete',
        reference,
        { ledgerEntriesAnonymised: anonymised },
        requestId,
        tx,
      );
      return true;
    });
    if (!erased) throw new DocatError('NOT_FOUND', 'no such account');
    // Every gateway replica stops accepting the account's access tokens at once; one that
    // misses the broadcast reads the erasure from `auth.denied-users` at its next refresh.
    await this.events.userDisabled(userId, new Date());
    return { erased, reference };
  }
}
