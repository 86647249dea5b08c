import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The credits ledger and the audit log of the auth service.
 *
 * Every ledger entry is unique per (job, step, kind): a reservation, its settlement or
 * release, and each charge line. Writers insert with ON CONFLICT DO NOTHING, so a
 * settle or release sent again after a crash changes nothing. `account` is the user id
 * until the account is erased, then an anonymous reference: billing records outlive the
 * account without naming it. The audit log holds the same kind of reference, never an
 * email address.
 */
export class AuthCredits1767226100000 implements MigrationInterface {
  name = 'AuthCredits1767226100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE auth.credit_ledger (
        id bigserial PRIMARY KEY,
        account text NOT NULL,
        job_id text NOT NULL,
        step text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('reserve', 'settle', 'release', 'text_pages', 'ocr_pages', 'translation')),
        quantity bigint NOT NULL DEFAULT 0 CHECK (quantity >= 0),
        credits bigint NOT NULL DEFAULT 0 CHECK (credits >= 0),
        period_start timestamptz NOT NULL,
        hold_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT credit_ledger_entry_key UNIQUE (job_id, step, kind)
      )`);
    await q.query(
      `CREATE INDEX credit_ledger_account_period_idx ON auth.credit_ledger (account, period_start)`,
    );
    await q.query(`
      CREATE TABLE auth.audit_log (
        id bigserial PRIMARY KEY,
        action text NOT NULL,
        subject text NOT NULL,
        request_id text,
        detail jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX audit_log_subject_idx ON auth.audit_log (subject, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE auth.audit_log`);
    await q.query(`DROP TABLE auth.credit_ledger`);
  }
}
