import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `auth.reserve_credits_batch`: several reservations of one account in one statement.
 *
 * Reservations of one account meet on its period's balance row, whose lock each
 * `auth.reserve_credits` call holds until its transaction commits (the WAL flush
 * included). A burst of uploads by one account therefore waited for each other's
 * commits, one after another. The auth service gathers the reservations of one account
 * that arrive while one of its calls runs and sends them here together: the row is
 * locked once and the batch commits once.
 *
 * Each element runs `auth.reserve_credits` itself, in the order given, with the same
 * arguments a call of its own would have had: a refusal is as exact, a job reserved
 * twice holds its credits once, and the balance never goes past the grant. The answer
 * has one row per element, in order (`ord`, from 1).
 */
export class AuthReserveCreditsBatch1767227350000 implements MigrationInterface {
  name = 'AuthReserveCreditsBatch1767227350000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION auth.reserve_credits_batch(
        p_account text, p_granted bigint, p_jobs text[], p_credits bigint[],
        p_periods timestamptz[], p_hold_until timestamptz[], p_now timestamptz[])
      RETURNS TABLE (ord integer, outcome text, owner text, reserved bigint, available bigint)
      LANGUAGE plpgsql AS $$
      #variable_conflict use_column
      DECLARE
        i integer;
        r record;
      BEGIN
        IF cardinality(p_jobs) IS DISTINCT FROM cardinality(p_credits)
          OR cardinality(p_jobs) IS DISTINCT FROM cardinality(p_periods)
          OR cardinality(p_jobs) IS DISTINCT FROM cardinality(p_hold_until)
          OR cardinality(p_jobs) IS DISTINCT FROM cardinality(p_now) THEN
          RAISE EXCEPTION 'reserve_credits_batch: arrays of different lengths';
        END IF;
        FOR i IN 1 .. coalesce(cardinality(p_jobs), 0) LOOP
          SELECT * INTO r FROM auth.reserve_credits(
            p_account, p_jobs[i], p_credits[i], p_periods[i], p_hold_until[i], p_granted, p_now[i]);
          RETURN QUERY SELECT i, r.outcome, r.owner, r.reserved, r.available;
        END LOOP;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION auth.reserve_credits_batch`);
  }
}
