import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A running balance per account and period, so a reservation is one short statement
 * instead of a transaction that holds the account's lock while it sums the ledger.
 *
 * `auth.credit_balances` keeps, per (account, period), the credits charged (`used`) and
 * the credits held by open reservations (`held`). The ledger stays the record: the
 * balance is a counter that may count too much but never too little. It counts too much
 * when a reservation expires (its `hold_until` passes) without being settled or released;
 * `counted_at` is when it was last recounted from the ledger, which happens whenever the
 * counter would refuse a reservation (and when the period's row is created). A settle or
 * release takes a reservation's credits off `held` only if the last recount counted it
 * (`hold_until > counted_at`), so an expired reservation is never taken off twice.
 *
 * `auth.reserve_credits` does the whole reservation in one call, so the balance row's lock
 * is held for the length of the statement, never across a round trip to the client:
 * - a repeat of the job's reservation answers the one recorded ('existing');
 * - an account that no longer exists answers 'no-account' (the user row is read with
 *   FOR KEY SHARE, which an erasure waits for);
 * - otherwise `held` grows by the credits if they fit (`granted` null: unlimited), and the
 *   reservation entry is written ('reserved'); if the counter says they do not fit, the
 *   period is recounted from the ledger under the row's lock, and the reservation is
 *   accepted or refused ('refused') on the exact figures.
 */
export class AuthCreditBalances1767227300000 implements MigrationInterface {
  name = 'AuthCreditBalances1767227300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE auth.credit_balances (
        account text NOT NULL,
        period_start timestamptz NOT NULL,
        used bigint NOT NULL DEFAULT 0,
        held bigint NOT NULL DEFAULT 0,
        counted_at timestamptz,
        PRIMARY KEY (account, period_start)
      )`);
    await q.query(`
      CREATE FUNCTION auth.credit_recount(p_account text, p_period timestamptz, p_now timestamptz)
      RETURNS TABLE (used bigint, held bigint)
      LANGUAGE plpgsql AS $$
      #variable_conflict use_column
      DECLARE
        v_used bigint;
        v_held bigint;
      BEGIN
        INSERT INTO auth.credit_balances (account, period_start)
        VALUES (p_account, p_period) ON CONFLICT DO NOTHING;
        PERFORM 1 FROM auth.credit_balances b
          WHERE b.account = p_account AND b.period_start = p_period FOR UPDATE;
        SELECT COALESCE(SUM(l.credits), 0) INTO v_used FROM auth.credit_ledger l
          WHERE l.account = p_account AND l.period_start = p_period
            AND l.kind IN ('text_pages', 'ocr_pages', 'translation');
        SELECT COALESCE(SUM(r.credits), 0) INTO v_held FROM auth.credit_ledger r
          WHERE r.account = p_account AND r.period_start = p_period AND r.kind = 'reserve'
            AND r.hold_until > p_now
            AND NOT EXISTS (
              SELECT 1 FROM auth.credit_ledger c
               WHERE c.job_id = r.job_id AND c.step = 'job' AND c.kind IN ('settle', 'release'));
        UPDATE auth.credit_balances b SET used = v_used, held = v_held, counted_at = p_now
          WHERE b.account = p_account AND b.period_start = p_period;
        RETURN QUERY SELECT v_used, v_held;
      END $$`);
    await q.query(`
      CREATE FUNCTION auth.reserve_credits(
        p_account text, p_job text, p_credits bigint, p_period timestamptz,
        p_hold_until timestamptz, p_granted bigint, p_now timestamptz)
      RETURNS TABLE (outcome text, owner text, reserved bigint, available bigint)
      LANGUAGE plpgsql AS $$
      #variable_conflict use_column
      DECLARE
        v_owner text;
        v_credits bigint;
        v_used bigint;
        v_held bigint;
        v_id bigint;
      BEGIN
        SELECT l.account, l.credits INTO v_owner, v_credits FROM auth.credit_ledger l
          WHERE l.job_id = p_job AND l.step = 'job' AND l.kind = 'reserve';
        IF FOUND THEN
          RETURN QUERY SELECT 'existing'::text, v_owner, v_credits, NULL::bigint;
          RETURN;
        END IF;
        PERFORM 1 FROM auth.users u WHERE u.id = p_account::uuid FOR KEY SHARE;
        IF NOT FOUND THEN
          RETURN QUERY SELECT 'no-account'::text, NULL::text, 0::bigint, NULL::bigint;
          RETURN;
        END IF;
        UPDATE auth.credit_balances b SET held = b.held + p_credits
          WHERE b.account = p_account AND b.period_start = p_period
            AND (p_granted IS NULL OR p_granted - b.used - b.held >= p_credits)
          RETURNING b.used, b.held INTO v_used, v_held;
        IF NOT FOUND THEN
          SELECT r.used, r.held INTO v_used, v_held
            FROM auth.credit_recount(p_account, p_period, p_now) r;
          IF p_granted IS NOT NULL AND p_granted - v_used - v_held < p_credits THEN
            RETURN QUERY SELECT 'refused'::text, p_account, 0::bigint, p_granted - v_used - v_held;
            RETURN;
          END IF;
          UPDATE auth.credit_balances b SET held = b.held + p_credits
            WHERE b.account = p_account AND b.period_start = p_period
            RETURNING b.used, b.held INTO v_used, v_held;
        END IF;
        INSERT INTO auth.credit_ledger (account, job_id, step, kind, credits, period_start, hold_until)
          VALUES (p_account, p_job, 'job', 'reserve', p_credits, p_period, p_hold_until)
          ON CONFLICT ON CONSTRAINT credit_ledger_entry_key DO NOTHING
          RETURNING id INTO v_id;
        IF v_id IS NULL THEN
          -- The same job's reservation was committed meanwhile: give back what this call held.
          UPDATE auth.credit_balances b SET held = b.held - p_credits
            WHERE b.account = p_account AND b.period_start = p_period;
          SELECT l.account, l.credits INTO v_owner, v_credits FROM auth.credit_ledger l
            WHERE l.job_id = p_job AND l.step = 'job' AND l.kind = 'reserve';
          RETURN QUERY SELECT 'existing'::text, v_owner, v_credits, NULL::bigint;
          RETURN;
        END IF;
        RETURN QUERY SELECT 'reserved'::text, p_account, p_credits,
          CASE WHEN p_granted IS NULL THEN NULL::bigint ELSE p_granted - v_used - v_held END;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION auth.reserve_credits`);
    await q.query(`DROP FUNCTION auth.credit_recount`);
    await q.query(`DROP TABLE auth.credit_balances`);
  }
}
