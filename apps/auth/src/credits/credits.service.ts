import { Inject, Injectable, Logger } from '@nestjs/common';
import { DocatError, type CreditLine, type Usage } from '@docat/contracts';
import { creditsConsumed } from '@docat/observability';
import { periodOf, type CreditPeriod } from './credit-period.js';
import { CREDITS_SETTINGS, type CreditsSettings } from './credits.settings.js';
import {
  CreditsRepository,
  type AccountStanding,
  type ReserveOutcome,
} from './credits.repository.js';

/** Reservations of one account per statement at most (a burst larger than this takes more). */
const MAX_RESERVATION_BATCH = 100;

const NO_ACCOUNT: ReserveOutcome = {
  outcome: 'no-account',
  owner: null,
  reserved: 0,
  available: null,
};

/** What one reservation of a batch got, with the account's standing the batch read. */
interface Reserved {
  standing: AccountStanding | null;
  result: ReserveOutcome;
}

interface PendingReservation {
  jobId: string;
  credits: number;
  now: Date;
  resolve: (reserved: Reserved) => void;
  reject: (error: unknown) => void;
}

/** An account whose reservation statement runs, and the reservations waiting for it. */
interface ReservationQueue {
  waiting: PendingReservation[];
}

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
  /** Accounts with a reservation statement running, by account id. */
  private readonly reservations = new Map<string, ReservationQueue>();

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

  /**
   * Reserves `credits` for the job, or refuses with INSUFFICIENT_CREDITS. Reservations of
   * one account that arrive while one of its reservation statements runs wait for it and
   * then go together, as one statement (`auth.reserve_credits_batch`): the balance row's
   * lock is held until commit, so a burst of one account's uploads otherwise waited for
   * each other's commits one by one. Each keeps its own arguments and its own answer.
   */
  reserve(
    userId: string,
    jobId: string,
    credits: number,
    now = new Date(),
  ): Promise<ReserveResult> {
    return new Promise<Reserved>((resolve, reject) => {
      const request: PendingReservation = { jobId, credits, now, resolve, reject };
      const batch = this.reservations.get(userId);
      if (batch) {
        batch.waiting.push(request);
        return;
      }
      const started: ReservationQueue = { waiting: [] };
      this.reservations.set(userId, started);
      void this.runReservations(userId, started, [request]);
    }).then((reserved) => this.reserveAnswer(userId, jobId, credits, reserved));
  }

  /** Runs one batch of an account's reservations, then the ones that arrived meanwhile. */
  private async runReservations(
    userId: string,
    queue: ReservationQueue,
    batch: PendingReservation[],
  ): Promise<void> {
    for (;;) {
      try {
        const { standing, outcomes } = await this.reserveBatch(userId, batch);
        batch.forEach((request, i) => request.resolve({ standing, result: outcomes[i]! }));
      } catch (error) {
        if (batch.length === 1) batch[0]!.reject(error);
        // A statement that failed fails every reservation in it: each tries again alone,
        // so that one cannot fail the others.
        else
          for (const request of batch)
            await this.reserveBatch(userId, [request]).then(
              ({ standing, outcomes }) => request.resolve({ standing, result: outcomes[0]! }),
              (err: unknown) => request.reject(err),
            );
      }
      if (queue.waiting.length === 0) break;
      batch = queue.waiting.splice(0, MAX_RESERVATION_BATCH);
    }
    this.reservations.delete(userId);
  }

  private async reserveBatch(
    userId: string,
    batch: readonly PendingReservation[],
  ): Promise<{ standing: AccountStanding | null; outcomes: ReserveOutcome[] }> {
    // The plan is read first, without a lock; the reservations themselves are one statement.
    const standing = await this.ledger.standing(userId);
    if (!standing) return { standing, outcomes: batch.map(() => NO_ACCOUNT) };
    const granted = this.grantFor(standing);
    const entries = batch.map((r) => ({
      jobId: r.jobId,
      credits: r.credits,
      periodStart: this.currentPeriod(r.now).start,
      holdUntil: new Date(r.now.getTime() + this.settings.reservationTtlMs),
      now: r.now,
    }));
    const outcomes =
      entries.length === 1
        ? [await this.ledger.reserve({ account: userId, granted, ...entries[0]! })]
        : await this.ledger.reserveBatch(userId, granted, entries);
    return { standing, outcomes };
  }

  private reserveAnswer(
    userId: string,
    jobId: string,
    credits: number,
    { standing, result }: Reserved,
  ): ReserveResult {
    switch (result.outcome) {
      case 'existing':
        if (result.owner !== userId) throw new DocatError('NOT_FOUND', 'no such job');
        return { jobId, reserved: result.reserved, available: null };
      case 'no-account':
        throw new DocatError('NOT_FOUND', 'no such account');
      case 'refused': {
        const why =
          standing &&
          this.grantFor(standing) === 0 &&
          this.settings.requireVerifiedEmail &&
          !standing.emailVerified
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
