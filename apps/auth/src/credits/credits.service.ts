import { Inject, Injectable, Logger } from '@nestjs/common';
import { DocatError, type CreditLine, type Usage } from '@docat/contracts';
import { creditsConsumed } from '@docat/observability';
import { periodOf, type CreditPeriod } from './credit-period.js';
import { CREDITS_SETTINGS, type CreditsSettings } from './credits.settings.js';
import { CreditsRepository, type AccountStanding } from './credits.repository.js';

export interface ReserveResult {
  jobId: string;
  reserved: number;
  available: number | null;
}

/**
 * Plans and the credits ledger. A job's worst case is reserved before any work and
 * refused with INSUFFICIENT_CREDITS when it does not fit; the job's end settles the
 * actual charges or releases the reservation. Each of these writes is keyed by (job,
 * step, kind), so a repeat is answered from what is already recorded and charges land
 * exactly once. A reservation is one statement against the period's running balance
 * (`auth.reserve_credits`); settles and releases take the account's lock and update the
 * balance last, just before they commit.
 */
@Injectable()
export class CreditsService {
  private readonly logger = new Logger('Credits');

  constructor(
    private readonly ledger: CreditsRepository,
    @Inject(CREDITS_SETTINGS) private readonly settings: CreditsSettings,
  ) {}

  currentPeriod(now = new Date()): CreditPeriod {
    return periodOf(now, this.settings.period);
  }

  /** Credits the account receives per period; null when unlimited. */
  grantFor(standing: AccountStanding): number | null {
    if (this.settings.unlimited) return null;
    if (this.settings.requireVerifiedEmail && !standing.emailVerified) return 0;
    return this.settings.plans[standing.plan] ?? 0;
  }

  async usage(userId: string, now = new Date()): Promise<Usage> {
    const standing = await this.ledger.standing(userId);
    if (!standing) throw new DocatError('NOT_FOUND', 'no such account');
    const period = this.currentPeriod(now);
    const totals = await this.ledger.totals(userId, period.start, now);
    const granted = this.grantFor(standing);
    return {
      period: { start: period.start.toISOString(), end: period.end.toISOString() },
      plan: standing.plan,
      unlimited: granted === null,
      emailVerified: standing.emailVerified,
      granted,
      used: totals.used,
      reserved: totals.reserved,
      available: granted === null ? null : granted - totals.used - totals.reserved,
      breakdown: totals.byKind,
      rates: this.settings.rates,
    };
  }

  async reserve(
    userId: string,
    jobId: string,
    credits: number,
    now = new Date(),
  ): Promise<ReserveResult> {
    // The plan is read first, without a lock; the reservation itself is one statement.
    const standing = await this.ledger.standing(userId);
    if (!standing) throw new DocatError('NOT_FOUND', 'no such account');
    const period = this.currentPeriod(now);
    const granted = this.grantFor(standing);
    const result = await this.ledger.reserve({
      account: userId,
      jobId,
      credits,
      periodStart: period.start,
      holdUntil: new Date(now.getTime() + this.settings.reservationTtlMs),
      granted,
      now,
    });
    switch (result.outcome) {
      case 'existing':
        if (result.owner !== userId) throw new DocatError('NOT_FOUND', 'no such job');
        return { jobId, reserved: result.reserved, available: null };
      case 'no-account':
        throw new DocatError('NOT_FOUND', 'no such account');
      case 'refused': {
        const why =
          granted === 0 && this.settings.requireVerifiedEmail && !standing.emailVerified
            ? ' (credits are granted once the email address is verified)'
            : '';
        throw new DocatError(
          'INSUFFICIENT_CREDITS',
          `The job needs up to ${credits} credits; ${Math.max(0, result.available ?? 0)} are available this period${why}`,
        );
      }
      case 'reserved':
        return { jobId, reserved: result.reserved, available: result.available };
    }
  }

  /**
   * Charges the job's actual cost and closes its reservation. A second settle, or a
   * settle after a release, changes nothing and answers what was charged.
   */
  async settle(
    userId: string,
    jobId: string,
    lines: readonly CreditLine[],
    now = new Date(),
  ): Promise<{ jobId: string; charged: number; alreadyClosed: boolean }> {
    const outcome = await this.ledger.transaction(async (tx) => {
      await this.ledger.lockAccount(userId, tx);
      const reservation = await this.ledger.reservation(jobId, tx);
      if (reservation && reservation.account !== userId)
        throw new DocatError('NOT_FOUND', 'no such job');
      if ((await this.ledger.closing(jobId, tx)) !== null) {
        return { jobId, charged: await this.ledger.chargedFor(jobId, tx), alreadyClosed: true };
      }
      // The job is charged in the period it was reserved in, even if it ends in the next.
      const periodStart = reservation?.periodStart ?? this.currentPeriod(now).start;
      await this.ledger.insertCharges(userId, jobId, periodStart, lines, tx);
      const charged = await this.ledger.chargedFor(jobId, tx);
      if (await this.ledger.insertClosing(userId, jobId, 'settle', charged, periodStart, tx))
        await this.ledger.applyClosing(userId, periodStart, charged, reservation, tx);
      if (reservation && charged > reservation.credits) {
        this.logger.warn(
          `job ${jobId} cost ${charged} credits, more than the ${reservation.credits} reserved`,
        );
      }
      return { jobId, charged, alreadyClosed: false };
    });
    // Counted once the charge is committed, and once per job: a repeated settle is alreadyClosed.
    if (!outcome.alreadyClosed && outcome.charged > 0) creditsConsumed.inc(outcome.charged);
    return outcome;
  }

  /** Returns a failed or cancelled job's reservation; nothing is charged for it. */
  async release(
    userId: string,
    jobId: string,
    now = new Date(),
  ): Promise<{ jobId: string; released: boolean }> {
    return this.ledger.transaction(async (tx) => {
      await this.ledger.lockAccount(userId, tx);
      const reservation = await this.ledger.reservation(jobId, tx);
      if (!reservation) return { jobId, released: false };
      if (reservation.account !== userId) throw new DocatError('NOT_FOUND', 'no such job');
      if ((await this.ledger.closing(jobId, tx)) !== null) return { jobId, released: false };
      const periodStart = reservation.periodStart ?? this.currentPeriod(now).start;
      const released = await this.ledger.insertClosing(
        userId,
        jobId,
        'release',
        0,
        periodStart,
        tx,
      );
      if (released) await this.ledger.applyClosing(userId, periodStart, 0, reservation, tx);
      return { jobId, released };
    });
  }
}
