import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import {
  creditKindSchema,
  type CreditKind,
  type CreditLine,
  type LedgerEntry,
} from '@docat/contracts';
import { affectedCount, queryRows, rowsOf } from '@docat/database';
import { AUTH_DATA_SOURCE } from '../auth.tokens.js';

export type Db = DataSource | EntityManager;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What decides an account's grant: its plan and whether its email address is verified. */
export interface AccountStanding {
  plan: string;
  emailVerified: boolean;
}

export interface PeriodTotals {
  used: number;
  reserved: number;
  byKind: Record<CreditKind, { quantity: number; credits: number }>;
}

export interface ReservationRow {
  account: string;
  credits: number;
  periodStart: Date;
  holdUntil: Date | null;
}

/** What `auth.reserve_credits` did. */
export interface ReserveOutcome {
  /** `existing`: the job's reservation was already recorded (by `owner`), nothing changed. */
  outcome: 'reserved' | 'existing' | 'refused' | 'no-account';
  owner: string | null;
  reserved: number;
  /** Left in the period after this reservation (`refused`: before it); null when unlimited. */
  available: number | null;
}

/** A count or sum, whichever way the driver gives it (bigint and numeric arrive as strings). */
const count = z.union([z.number(), z.string().regex(/^-?\d+(?:\.\d+)?$/u)]).transform(Number);
/** One kind's sums over a period, or the credits still held (`held`). */
const totalsRowSchema = z.object({
  kind: z.union([creditKindSchema, z.literal('held')]),
  quantity: count,
  credits: count,
});
const standingRowSchema = z.object({ plan: z.string(), verified: z.boolean() });
const reserveRowSchema = z.object({
  outcome: z.enum(['reserved', 'existing', 'refused', 'no-account']),
  owner: z.string().nullable(),
  reserved: count,
  available: count.nullable(),
});
const reserveBatchRowSchema = reserveRowSchema.extend({ ord: z.number().int().positive() });
const reservationRowSchema = z.object({
  account: z.string(),
  credits: count,
  period_start: z.date(),
  hold_until: z.date().nullable(),
});
const closingRowSchema = z.object({ kind: z.enum(['settle', 'release']) });
const creditsRowSchema = z.object({ credits: count });
const ledgerRowSchema = z.object({
  job_id: z.string(),
  step: z.string(),
  kind: z.string(),
  quantity: count,
  credits: count,
  period_start: z.date(),
  created_at: z.date(),
});

/**
 * The ledger table. Every insert is `ON CONFLICT DO NOTHING` on (job, step, kind): a
 * write repeated after a crash or a redelivered RPC is a no-op, which is what makes
 * charges exactly-once on top of at-least-once delivery.
 */
@Injectable()
export class CreditsRepository {
  constructor(@Inject(AUTH_DATA_SOURCE) private readonly db: DataSource) {}

  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction('READ COMMITTED', work);
  }

  /**
   * Serialises the settles, releases and erasure of one account. Reservations do not take
   * it: they are serialised by their period's balance row, inside one statement.
   */
  async lockAccount(account: string, tx: EntityManager): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`credits:${account}`]);
  }

  async standing(userId: string, db: Db = this.db): Promise<AccountStanding | null> {
    if (!UUID.test(userId)) return null;
    const rows = await queryRows(
      db,
      'auth.users',
      standingRowSchema,
      `SELECT plan, email_verified_at IS NOT NULL AS verified FROM auth.users WHERE id = $1`,
      [userId],
    );
    const row = rows[0];
    return row ? { plan: row.plan, emailVerified: row.verified } : null;
  }

  /**
   * The period's charges by kind and the credits still held, read in one statement so
   * that both come from one snapshot: read apart, a settle landing between them showed
   * its reservation gone but not yet its charge.
   */
  async totals(
    account: string,
    periodStart: Date,
    now: Date,
    db: Db = this.db,
  ): Promise<PeriodTotals> {
    const rows = await queryRows(
      db,
      'auth.credit_ledger',
      totalsRowSchema,
      `SELECT kind, COALESCE(SUM(quantity), 0) AS quantity, COALESCE(SUM(credits), 0) AS credits
         FROM auth.credit_ledger
        WHERE account = $1 AND period_start = $2 AND kind IN ('text_pages', 'ocr_pages', 'translation')
        GROUP BY kind
       UNION ALL
       SELECT 'held', 0, COALESCE(SUM(r.credits), 0)
         FROM auth.credit_ledger r
        WHERE r.account = $1 AND r.period_start = $2 AND r.kind = 'reserve' AND r.hold_until > $3
          AND NOT EXISTS (
            SELECT 1 FROM auth.credit_ledger c WHERE c.job_id = r.job_id AND c.step = 'job' AND c.kind IN ('settle', 'release'))`,
      [account, periodStart, now],
    );
    const byKind: PeriodTotals['byKind'] = {
      text_pages: { quantity: 0, credits: 0 },
      ocr_pages: { quantity: 0, credits: 0 },
      translation: { quantity: 0, credits: 0 },
    };
    let reserved = 0;
    for (const row of rows) {
      if (row.kind === 'held') reserved = row.credits;
      else byKind[row.kind] = { quantity: row.quantity, credits: row.credits };
    }
    const used = byKind.text_pages.credits + byKind.ocr_pages.credits + byKind.translation.credits;
    return { used, reserved, byKind };
  }

  /**
   * Reserves `credits` for the job in one statement (`auth.reserve_credits`): the period's
   * balance row is locked only while the statement runs, so reservations of one account
   * do not wait on each other's round trips. `granted` null is unlimited: the reservation
   * is recorded and counted, never refused.
   */
  async reserve(entry: {
    account: string;
    jobId: string;
    credits: number;
    periodStart: Date;
    holdUntil: Date;
    granted: number | null;
    now: Date;
  }): Promise<ReserveOutcome> {
    const rows = await queryRows(
      this.db,
      'auth.reserve_credits',
      reserveRowSchema,
      `SELECT outcome, owner, reserved, available
         FROM auth.reserve_credits($1, $2, $3, $4, $5, $6, $7)`,
      [
        entry.account,
        entry.jobId,
        entry.credits,
        entry.periodStart,
        entry.holdUntil,
        entry.granted,
        entry.now,
      ],
    );
    const row = rows[0];
    if (!row) throw new Error('auth.reserve_credits answered no row');
    return row;
  }

  /**
   * Several reservations of one account in one statement (`auth.reserve_credits_batch`):
   * each is `auth.reserve_credits` with its own arguments, in the order given, but the
   * balance row is locked once and the whole batch commits once. Answers one outcome per
   * entry, in order.
   */
  async reserveBatch(
    account: string,
    granted: number | null,
    entries: readonly {
      jobId: string;
      credits: number;
      periodStart: Date;
      holdUntil: Date;
      now: Date;
    }[],
  ): Promise<ReserveOutcome[]> {
    const rows = await queryRows(
      this.db,
      'auth.reserve_credits_batch',
      reserveBatchRowSchema,
      `SELECT ord, outcome, owner, reserved, available
         FROM auth.reserve_credits_batch($1, $2, $3::text[], $4::bigint[], $5::timestamptz[], $6::timestamptz[], $7::timestamptz[])
        ORDER BY ord`,
      [
        account,
        granted,
        entries.map((e) => e.jobId),
        entries.map((e) => e.credits),
        entries.map((e) => e.periodStart),
        entries.map((e) => e.holdUntil),
        entries.map((e) => e.now),
      ],
    );
    if (rows.length !== entries.length || rows.some((row, i) => row.ord !== i + 1))
      throw new Error('auth.reserve_credits_batch answered the wrong rows');
    return rows.map(({ ord: _ord, ...outcome }) => outcome);
  }

  async reservation(jobId: string, db: Db = this.db): Promise<ReservationRow | null> {
    const rows = await queryRows(
      db,
      'auth.credit_ledger',
      reservationRowSchema,
      `SELECT account, credits, period_start, hold_until FROM auth.credit_ledger WHERE job_id = $1 AND step = 'job' AND kind = 'reserve'`,
      [jobId],
    );
    const row = rows[0];
    return row
      ? {
          account: row.account,
          credits: row.credits,
          periodStart: row.period_start,
          holdUntil: row.hold_until,
        }
      : null;
  }

  /**
   * Applies a closed job to its period's running balance: `charged` is added to what is
   * used, and the reservation's credits leave what is held, unless the balance's last
   * recount already left them out (the reservation had expired by then). Run last in the
   * closing transaction, so the balance row is locked for the commit only. A period without
   * a balance row is left alone: the next reservation counts it from the ledger.
   */
  async applyClosing(
    account: string,
    periodStart: Date,
    charged: number,
    reservation: ReservationRow | null,
    tx: EntityManager,
  ): Promise<void> {
    await tx.query(
      `UPDATE auth.credit_balances
          SET used = used + $3,
              held = held - CASE
                WHEN $5::timestamptz IS NULL OR counted_at IS NULL OR $5::timestamptz > counted_at THEN $4::bigint
                ELSE 0 END
        WHERE account = $1 AND period_start = $2`,
      [account, periodStart, charged, reservation?.credits ?? 0, reservation?.holdUntil ?? null],
    );
  }

  /** Locks the account's user row against reservations (they read it FOR KEY SHARE). */
  async lockUser(userId: string, tx: EntityManager): Promise<void> {
    if (!UUID.test(userId)) return;
    await tx.query(`SELECT 1 FROM auth.users WHERE id = $1 FOR UPDATE`, [userId]);
  }

  /** Removes the account's running balances (they name the account; the ledger is the record). */
  async deleteBalances(account: string, tx: EntityManager): Promise<void> {
    await tx.query(`DELETE FROM auth.credit_balances WHERE account = $1`, [account]);
  }

  /** The entry that closed the job's reservation, if any. */
  async closing(jobId: string, db: Db = this.db): Promise<'settle' | 'release' | null> {
    const rows = await queryRows(
      db,
      'auth.credit_ledger',
      closingRowSchema,
      `SELECT kind FROM auth.credit_ledger WHERE job_id = $1 AND step = 'job' AND kind IN ('settle', 'release')`,
      [jobId],
    );
    return rows[0]?.kind ?? null;
  }

  async chargedFor(jobId: string, db: Db = this.db): Promise<number> {
    const rows = await queryRows(
      db,
      'auth.credit_ledger',
      creditsRowSchema,
      `SELECT COALESCE(SUM(credits), 0) AS credits FROM auth.credit_ledger
        WHERE job_id = $1 AND kind IN ('text_pages', 'ocr_pages', 'translation')`,
      [jobId],
    );
    return rows[0]?.credits ?? 0;
  }

  /** Inserts charge lines and the closing entry; lines already present are kept as they are. */
  async insertCharges(
    account: string,
    jobId: string,
    periodStart: Date,
    lines: readonly CreditLine[],
    tx: EntityManager,
  ): Promise<void> {
    for (const line of lines) {
      await tx.query(
        `INSERT INTO auth.credit_ledger (account, job_id, step, kind, quantity, credits, period_start)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT ON CONSTRAINT credit_ledger_entry_key DO NOTHING`,
        [account, jobId, line.step, line.kind, line.quantity, line.credits, periodStart],
      );
    }
  }

  async insertClosing(
    account: string,
    jobId: string,
    kind: 'settle' | 'release',
    credits: number,
    periodStart: Date,
    tx: EntityManager,
  ): Promise<boolean> {
    const rows = rowsOf(
      await tx.query(
        `INSERT INTO auth.credit_ledger (account, job_id, step, kind, credits, period_start)
         VALUES ($1, $2, 'job', $3, $4, $5)
         ON CONFLICT ON CONSTRAINT credit_ledger_entry_key DO NOTHING RETURNING id`,
        [account, jobId, kind, credits, periodStart],
      ),
    );
    return rows.length === 1;
  }

  async entries(account: string, limit = 100_000): Promise<LedgerEntry[]> {
    const rows = await queryRows(
      this.db,
      'auth.credit_ledger',
      ledgerRowSchema,
      `SELECT job_id, step, kind, quantity, credits, period_start, created_at FROM auth.credit_ledger
        WHERE account = $1 ORDER BY id LIMIT $2`,
      [account, limit],
    );
    return rows.map((r) => ({
      jobId: r.job_id,
      step: r.step,
      kind: r.kind,
      quantity: r.quantity,
      credits: r.credits,
      periodStart: r.period_start.toISOString(),
      createdAt: r.created_at.toISOString(),
    }));
  }

  /** Replaces the account id of its ledger entries by an anonymous reference; answers how many. */
  async anonymise(userId: string, reference: string, tx: EntityManager): Promise<number> {
    return affectedCount(
      await tx.query(`UPDATE auth.credit_ledger SET account = $2 WHERE account = $1`, [
        userId,
        reference,
      ]),
    );
  }

  async deleteUser(userId: string, tx: EntityManager): Promise<boolean> {
    if (!UUID.test(userId)) return false;
    if (affectedCount(await tx.query(`DELETE FROM auth.users WHERE id = $1`, [userId])) !== 1)
      return false;
    // Gateways read this through `auth.denied-users` until the account's last token expired.
    await tx.query(
      `INSERT INTO auth.erased_accounts (user_id) VALUES ($1)
       ON CONFLICT (user_id) DO UPDATE SET erased_at = now()`,
      [userId],
    );
    return true;
  }

  /** An audit entry: what happened to which account reference; never an email address or a name. */
  async audit(
    action: string,
    subject: string,
    detail: Record<string, unknown>,
    requestId: string | undefined,
    db: Db = this.db,
  ): Promise<void> {
    await db.query(
      `INSERT INTO auth.audit_log (action, subject, request_id, detail) VALUES ($1, $2, $3, $4)`,
      [action, subject, requestId ?? null, JSON.stringify(detail)],
    );
  }
}
