import 'reflect-metadata';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { loadConfig, type DocatConfig } from '@docat/config';
import {
  DocatError,
  RPC,
  uuidv7,
  type AccountExport,
  type Usage,
  type UserView,
} from '@docat/contracts';
import { bootstrapService, createClusterRuntime, type RunningService } from '@docat/service-kit';
import { createStorage } from '@docat/storage';
import { serviceFixture, type ServiceFixture } from '@docat/testing';
import { AUTH_PATTERNS, AuthModule } from '../auth.module.js';
import { accountReference } from './account-reference.js';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return error instanceof DocatError ? error.code : `not a DocatError: ${String(error)}`;
  }
}

/**
 * The credits ledger inside the auth service, over the Redis Streams transport and a
 * fresh PostgreSQL database: grants by plan and verification, reservations refused
 * when they do not fit, settle and release applied once however often they are sent.
 */
describe('credits ledger', () => {
  let fx: ServiceFixture;
  let config: DocatConfig;
  let service: RunningService;
  let sql: pg.Client;
  const call = <T>(pattern: string, data: unknown) =>
    service.runtime.bus.call<T>(pattern, data, { timeoutMs: 10_000 });

  async function account(opts: { verified: boolean; plan?: string }): Promise<string> {
    const user = await call<UserView>(RPC.AUTH_REGISTER, {
      email: `u${uuidv7().slice(-12)}@example.org`,
      password: 'correct horse battery',
    });
    await sql.query(
      `UPDATE auth.users SET email_verified_at = ${opts.verified ? 'now()' : 'NULL'}, plan = $2 WHERE id = $1`,
      [user.id, opts.plan ?? 'free'],
    );
    return user.id;
  }

  before(async () => {
    fx = await serviceFixture();
    config = loadConfig(fx.env('cluster'));
    assert.equal(config.credits.unlimited, false, 'cluster mode enforces plans by default');
    service = fx.own(
      await bootstrapService({
        service: 'auth',
        module: AuthModule.register(),
        runtime: () =>
          createClusterRuntime(config, { storage: createStorage(config), migrate: true }),
        claims: { patterns: AUTH_PATTERNS },
        managementPort: null,
        exitOnShutdown: false,
      }),
    );
    sql = fx.sql;
  });

  after(() => fx?.close());

  test('an unverified account is granted nothing and a reservation is refused with INSUFFICIENT_CREDITS', async () => {
    const user = await account({ verified: false });
    const usage = await call<Usage>(RPC.CREDITS_USAGE, { userId: user });
    assert.equal(usage.emailVerified, false);
    assert.equal(usage.granted, 0);
    assert.equal(usage.available, 0);
    try {
      await call(RPC.CREDITS_RESERVE, { userId: user, jobId: uuidv7(), credits: 1 });
      assert.fail('the reservation was accepted');
    } catch (error) {
      assert.ok(error instanceof DocatError);
      assert.equal(error.code, 'INSUFFICIENT_CREDITS');
      assert.equal(error.status, 402);
      assert.match(error.message, /verified/);
    }
  });

  test('plans grant 500, 50,000 and 1,000,000 credits a month once verified', async () => {
    for (const [plan, granted] of [
      ['free', 500],
      ['plus', 50_000],
      ['pro', 1_000_000],
    ] as const) {
      const usage = await call<Usage>(RPC.CREDITS_USAGE, {
        userId: await account({ verified: true, plan }),
      });
      assert.equal(usage.plan, plan);
      assert.equal(usage.granted, granted);
      assert.equal(usage.available, granted);
      assert.equal(
        new Date(usage.period.start).getUTCDate(),
        1,
        'a monthly period starts on the first',
      );
    }
  });

  test('a reservation holds credits; one that does not fit what is left is refused', async () => {
    const user = await account({ verified: true });
    const first = uuidv7();
    const reserved = await call<{ reserved: number; available: number }>(RPC.CREDITS_RESERVE, {
      userId: user,
      jobId: first,
      credits: 300,
    });
    assert.deepEqual([reserved.reserved, reserved.available], [300, 200]);
    // The same reservation sent again (a retried RPC) holds nothing more.
    await call(RPC.CREDITS_RESERVE, { userId: user, jobId: first, credits: 300 });
    assert.equal(
      await codeOf(call(RPC.CREDITS_RESERVE, { userId: user, jobId: uuidv7(), credits: 201 })),
      'INSUFFICIENT_CREDITS',
    );
    const usage = await call<Usage>(RPC.CREDITS_USAGE, { userId: user });
    assert.deepEqual([usage.used, usage.reserved, usage.available], [0, 300, 200]);
    assert.equal(
      await codeOf(call(RPC.CREDITS_RESERVE, { userId: user, jobId: uuidv7(), credits: 200 })),
      'resolved',
    );
  });

  test('settle charges the actual once: a settle sent again after a crash charges nothing more', async () => {
    const user = await account({ verified: true });
    const job = uuidv7();
    await call(RPC.CREDITS_RESERVE, { userId: user, jobId: job, credits: 120 });
    const lines = [
      { step: 'chunk:0', kind: 'text_pages', quantity: 4, credits: 4 },
      { step: 'chunk:1', kind: 'text_pages', quantity: 2, credits: 2 },
      { step: 'chunk:1', kind: 'ocr_pages', quantity: 2, credits: 10 },
      { step: 'job', kind: 'translation', quantity: 2_345, credits: 3 },
    ];
    const first = await call<{ charged: number; alreadyClosed: boolean }>(RPC.CREDITS_SETTLE, {
      userId: user,
      jobId: job,
      lines,
    });
    assert.deepEqual(first, { jobId: job, charged: 19, alreadyClosed: false });
    const again = await call<{ charged: number; alreadyClosed: boolean }>(RPC.CREDITS_SETTLE, {
      userId: user,
      jobId: job,
      lines,
    });
    assert.deepEqual(again, { jobId: job, charged: 19, alreadyClosed: true });
    // Two settles racing (two replicas handling a redelivered request) still charge once.
    const raced = uuidv7();
    await call(RPC.CREDITS_RESERVE, { userId: user, jobId: raced, credits: 10 });
    const results = await Promise.all(
      [1, 2, 3].map(() =>
        call<{ charged: number; alreadyClosed: boolean }>(RPC.CREDITS_SETTLE, {
          userId: user,
          jobId: raced,
          lines: [{ step: 'chunk:0', kind: 'text_pages', quantity: 5, credits: 5 }],
        }),
      ),
    );
    assert.equal(results.filter((r) => !r.alreadyClosed).length, 1);
    assert.ok(results.every((r) => r.charged === 5));

    const usage = await call<Usage>(RPC.CREDITS_USAGE, { userId: user });
    assert.equal(usage.used, 24);
    assert.equal(usage.reserved, 0, 'settled reservations hold nothing');
    assert.equal(usage.available, 500 - 24);
    assert.deepEqual(usage.breakdown, {
      text_pages: { quantity: 11, credits: 11 },
      ocr_pages: { quantity: 2, credits: 10 },
      translation: { quantity: 2_345, credits: 3 },
    });
    const rows = await sql.query(
      `SELECT kind, count(*)::int AS n FROM auth.credit_ledger WHERE job_id = $1 GROUP BY kind ORDER BY kind`,
      [job],
    );
    assert.deepEqual(rows.rows, [
      { kind: 'ocr_pages', n: 1 },
      { kind: 'reserve', n: 1 },
      { kind: 'settle', n: 1 },
      { kind: 'text_pages', n: 2 },
      { kind: 'translation', n: 1 },
    ]);
  });

  test('usage read while settles land never shows a reservation gone before its charge', async () => {
    const user = await account({ verified: true });
    const jobs = Array.from({ length: 30 }, () => uuidv7());
    for (const jobId of jobs) await call(RPC.CREDITS_RESERVE, { userId: user, jobId, credits: 5 });
    let settling = true;
    const seen: number[] = [];
    const reader = async (): Promise<void> => {
      while (settling) {
        const usage = await call<Usage>(RPC.CREDITS_USAGE, { userId: user });
        seen.push(usage.used + usage.reserved);
      }
    };
    const readers = Array.from({ length: 6 }, reader);
    for (const jobId of jobs)
      await call(RPC.CREDITS_SETTLE, {
        userId: user,
        jobId,
        lines: [{ step: 'chunk:0', kind: 'text_pages', quantity: 5, credits: 5 }],
      });
    settling = false;
    await Promise.all(readers);
    assert.ok(seen.length > 30, `${seen.length} reads`);
    // Each settle charges what it held, so used + reserved stays 150 in every consistent read.
    assert.deepEqual(
      seen.filter((total) => total !== 150),
      [],
      `${seen.length} reads while 30 settles landed`,
    );
  });

  test('release returns a reservation once, charges nothing, and cannot undo a settle', async () => {
    const user = await account({ verified: true });
    const failed = uuidv7();
    await call(RPC.CREDITS_RESERVE, { userId: user, jobId: failed, credits: 400 });
    assert.equal((await call<Usage>(RPC.CREDITS_USAGE, { userId: user })).available, 100);
    assert.deepEqual(await call(RPC.CREDITS_RELEASE, { userId: user, jobId: failed }), {
      jobId: failed,
      released: true,
    });
    assert.deepEqual(await call(RPC.CREDITS_RELEASE, { userId: user, jobId: failed }), {
      jobId: failed,
      released: false,
    });
    // A settle arriving after the release (a stale retry) charges nothing.
    const late = await call<{ charged: number; alreadyClosed: boolean }>(RPC.CREDITS_SETTLE, {
      userId: user,
      jobId: failed,
      lines: [{ step: 'chunk:0', kind: 'text_pages', quantity: 4, credits: 4 }],
    });
    assert.deepEqual([late.charged, late.alreadyClosed], [0, true]);
    const settled = uuidv7();
    await call(RPC.CREDITS_RESERVE, { userId: user, jobId: settled, credits: 10 });
    await call(RPC.CREDITS_SETTLE, {
      userId: user,
      jobId: settled,
      lines: [{ step: 'chunk:0', kind: 'text_pages', quantity: 3, credits: 3 }],
    });
    assert.deepEqual(await call(RPC.CREDITS_RELEASE, { userId: user, jobId: settled }), {
      jobId: settled,
      released: false,
    });
    const usage = await call<Usage>(RPC.CREDITS_USAGE, { userId: user });
    assert.deepEqual([usage.used, usage.reserved, usage.available], [3, 0, 497]);
    // Another account cannot touch the job's ledger entries.
    const other = await account({ verified: true });
    assert.equal(
      await codeOf(call(RPC.CREDITS_RELEASE, { userId: other, jobId: settled })),
      'NOT_FOUND',
    );
  });

  test('concurrent reservations never spend the same credits twice', async () => {
    const user = await account({ verified: true });
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, () =>
        codeOf(call(RPC.CREDITS_RESERVE, { userId: user, jobId: uuidv7(), credits: 150 })),
      ),
    );
    assert.equal(outcomes.filter((o) => o === 'resolved').length, 3);
    assert.equal(outcomes.filter((o) => o === 'INSUFFICIENT_CREDITS').length, 3);
    assert.equal((await call<Usage>(RPC.CREDITS_USAGE, { userId: user })).available, 50);
  });

  /** The account's running balance for its current period, and what the ledger says. */
  async function balanceAndLedger(user: string) {
    const usage = await call<Usage>(RPC.CREDITS_USAGE, { userId: user });
    const rows = await sql.query<{ used: string; held: string }>(
      `SELECT used, held FROM auth.credit_balances WHERE account = $1 AND period_start = $2`,
      [user, usage.period.start],
    );
    const row = rows.rows[0];
    return {
      balance: row ? { used: Number(row.used), held: Number(row.held) } : null,
      ledger: { used: usage.used, held: usage.reserved },
    };
  }

  test('reservations of one account do not wait for the account lock that settles and releases take', async () => {
    const user = await account({ verified: true });
    const holder = new pg.Client({ connectionString: fx.db.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`credits:${user}`]);
      const started = performance.now();
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          call<{ reserved: number }>(RPC.CREDITS_RESERVE, {
            userId: user,
            jobId: uuidv7(),
            credits: 10,
          }),
        ),
      );
      assert.ok(results.every((r) => r.reserved === 10));
      assert.ok(
        performance.now() - started < 5_000,
        'the reservations finished while the lock was held',
      );
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }
    assert.deepEqual(await balanceAndLedger(user), {
      balance: { used: 0, held: 200 },
      ledger: { used: 0, held: 200 },
    });
  });

  test('the same job reserved many times at once holds its credits once', async () => {
    const user = await account({ verified: true });
    const job = uuidv7();
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        call<{ reserved: number }>(RPC.CREDITS_RESERVE, { userId: user, jobId: job, credits: 100 }),
      ),
    );
    assert.ok(results.every((r) => r.reserved === 100));
    assert.deepEqual(await balanceAndLedger(user), {
      balance: { used: 0, held: 100 },
      ledger: { used: 0, held: 100 },
    });
    // Another account naming the same job reserves nothing and learns nothing.
    const other = await account({ verified: true });
    assert.equal(
      await codeOf(call(RPC.CREDITS_RESERVE, { userId: other, jobId: job, credits: 1 })),
      'NOT_FOUND',
    );
  });

  test('a burst of one account waits for its balance row in one statement, and each reservation gets its own exact answer', async () => {
    const user = await account({ verified: true });
    // The period's balance row exists once the account has reserved.
    const first = uuidv7();
    await call(RPC.CREDITS_RESERVE, { userId: user, jobId: first, credits: 140 });
    const holder = new pg.Client({ connectionString: fx.db.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM auth.credit_balances WHERE account = $1 FOR UPDATE`, [
        user,
      ]);
      // 360 left: 12 x 30 fit, 8 do not; the first job again answers its reservation.
      const jobs = Array.from({ length: 20 }, () => uuidv7());
      const burst = Promise.all(
        [...jobs, first].map((jobId) =>
          codeOf(call(RPC.CREDITS_RESERVE, { userId: user, jobId, credits: 30 })),
        ),
      );
      // While the row is locked, the 21 reservations occupy one statement, not 21.
      let waiting = 0;
      for (let i = 0; i < 50; i++) {
        const { rows } = await sql.query<{ n: string }>(
          `SELECT count(*) AS n FROM pg_stat_activity
            WHERE datname = current_database() AND state = 'active'
              AND query LIKE '%auth.reserve_credits%' AND query NOT LIKE '%pg_stat_activity%'
              AND wait_event_type = 'Lock'`,
        );
        waiting = Number(rows[0]!.n);
        if (waiting > 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 300));
      const { rows } = await sql.query<{ n: string }>(
        `SELECT count(*) AS n FROM pg_stat_activity
          WHERE datname = current_database() AND state = 'active'
            AND query LIKE '%auth.reserve_credits%' AND query NOT LIKE '%pg_stat_activity%'`,
      );
      assert.equal(waiting, 1, 'one statement waits for the balance row');
      assert.equal(Number(rows[0]!.n), 1, 'the other reservations wait in the service');
      await holder.query('COMMIT');
      const outcomes = await burst;
      assert.equal(
        outcomes.filter((o) => o === 'resolved').length,
        13,
        '12 new jobs and the first',
      );
      assert.equal(outcomes.filter((o) => o === 'INSUFFICIENT_CREDITS').length, 8);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }
    assert.deepEqual(await balanceAndLedger(user), {
      balance: { used: 0, held: 500 },
      ledger: { used: 0, held: 500 },
    });
    const ledger = await sql.query<{ n: string }>(
      `SELECT count(*) AS n FROM auth.credit_ledger WHERE account = $1 AND kind = 'reserve'`,
      [user],
    );
    assert.equal(Number(ledger.rows[0]!.n), 13, 'one reservation entry per job');
  });

  test('auth.reserve_credits_batch runs each entry as auth.reserve_credits would, in order', async () => {
    const user = await account({ verified: true });
    const other = await account({ verified: true });
    const taken = uuidv7();
    await call(RPC.CREDITS_RESERVE, { userId: other, jobId: taken, credits: 5 });
    const period = (await call<Usage>(RPC.CREDITS_USAGE, { userId: user })).period.start;
    const [a, b, c] = [uuidv7(), uuidv7(), uuidv7()];
    const entries = [
      [a, 300],
      [b, 250], // 200 left: refused, and the next still fits
      [c, 150],
      [a, 999], // a repeat answers the recorded reservation
      [taken, 1], // another account's job: its owner is named, nothing is held
    ] as const;
    const { rows } = await sql.query<{
      ord: number;
      outcome: string;
      owner: string | null;
      reserved: string;
      available: string | null;
    }>(
      `SELECT * FROM auth.reserve_credits_batch($1, 500, $2::text[], $3::bigint[],
         array_fill($4::timestamptz, ARRAY[5]), array_fill(now() + interval '1 hour', ARRAY[5]),
         array_fill(now(), ARRAY[5]))`,
      [user, entries.map((e) => e[0]), entries.map((e) => e[1]), period],
    );
    assert.deepEqual(
      rows.map((r) => [r.ord, r.outcome, r.owner, Number(r.reserved), r.available]),
      [
        [1, 'reserved', user, 300, '200'],
        [2, 'refused', user, 0, '200'],
        [3, 'reserved', user, 150, '50'],
        [4, 'existing', user, 300, null],
        [5, 'existing', other, 5, null],
      ],
    );
    assert.deepEqual(await balanceAndLedger(user), {
      balance: { used: 0, held: 450 },
      ledger: { used: 0, held: 450 },
    });
    await assert.rejects(
      sql.query(
        `SELECT * FROM auth.reserve_credits_batch($1, 500, ARRAY['x'], ARRAY[1, 2]::bigint[],
           ARRAY[now()], ARRAY[now()], ARRAY[now()])`,
        [user],
      ),
      /different lengths/,
    );
  });

  test('the running balance follows reserve, settle and release, and an expired reservation stops holding credits', async () => {
    const user = await account({ verified: true });
    const [expired, settled, released, open] = [uuidv7(), uuidv7(), uuidv7(), uuidv7()];
    await call(RPC.CREDITS_RESERVE, { userId: user, jobId: expired, credits: 300 });
    await call(RPC.CREDITS_RESERVE, { userId: user, jobId: settled, credits: 50 });
    await call(RPC.CREDITS_RESERVE, { userId: user, jobId: released, credits: 40 });
    await call(RPC.CREDITS_SETTLE, {
      userId: user,
      jobId: settled,
      lines: [{ step: 'chunk:0', kind: 'text_pages', quantity: 30, credits: 30 }],
    });
    await call(RPC.CREDITS_RELEASE, { userId: user, jobId: released });
    assert.deepEqual(await balanceAndLedger(user), {
      balance: { used: 30, held: 300 },
      ledger: { used: 30, held: 300 },
    });
    // 500 - 30 - 300 = 170 left: 171 does not fit while the first reservation holds.
    assert.equal(
      await codeOf(call(RPC.CREDITS_RESERVE, { userId: user, jobId: uuidv7(), credits: 171 })),
      'INSUFFICIENT_CREDITS',
    );
    // The first job never ended and its hold ran out: the counter still holds it, so the
    // next reservation that does not fit by the counter recounts the ledger and fits.
    await sql.query(
      `UPDATE auth.credit_ledger SET hold_until = now() - interval '1 minute' WHERE job_id = $1 AND kind = 'reserve'`,
      [expired],
    );
    const accepted = await call<{ reserved: number; available: number }>(RPC.CREDITS_RESERVE, {
      userId: user,
      jobId: open,
      credits: 400,
    });
    assert.deepEqual([accepted.reserved, accepted.available], [400, 70]);
    // Releasing the expired reservation now does not give its credits back a second time.
    await call(RPC.CREDITS_RELEASE, { userId: user, jobId: expired });
    assert.deepEqual(await balanceAndLedger(user), {
      balance: { used: 30, held: 400 },
      ledger: { used: 30, held: 400 },
    });
    assert.equal(
      await codeOf(call(RPC.CREDITS_RESERVE, { userId: user, jobId: uuidv7(), credits: 71 })),
      'INSUFFICIENT_CREDITS',
    );
  });

  test('export shows the ledger; delete erases the account, keeps its billing records anonymised, and audits both', async () => {
    const user = await account({ verified: true });
    const email = (
      await sql.query<{ email: string }>(`SELECT email FROM auth.users WHERE id = $1`, [user])
    ).rows[0]!.email;
    const job = uuidv7();
    await call(RPC.CREDITS_RESERVE, { userId: user, jobId: job, credits: 5 });
    await call(RPC.CREDITS_SETTLE, {
      userId: user,
      jobId: job,
      lines: [{ step: 'chunk:0', kind: 'ocr_pages', quantity: 1, credits: 5 }],
    });

    const exported = await call<AccountExport>(RPC.AUTH_ACCOUNT_EXPORT, { userId: user });
    assert.equal(exported.usage.used, 5);
    assert.deepEqual(
      exported.ledger.map((e) => e.kind),
      ['reserve', 'ocr_pages', 'settle'],
    );

    const erased = await call<{ erased: boolean; reference: string }>(RPC.AUTH_ACCOUNT_DELETE, {
      userId: user,
    });
    assert.deepEqual(erased, { erased: true, reference: accountReference(user) });
    assert.equal((await sql.query(`SELECT 1 FROM auth.users WHERE id = $1`, [user])).rowCount, 0);
    assert.equal(
      (await sql.query(`SELECT 1 FROM auth.credit_ledger WHERE account = $1`, [user])).rowCount,
      0,
      'no ledger entry names the account',
    );
    assert.equal(
      (await sql.query(`SELECT 1 FROM auth.credit_balances WHERE account = $1`, [user])).rowCount,
      0,
      'no running balance names the account',
    );
    assert.equal(
      await codeOf(call(RPC.CREDITS_RESERVE, { userId: user, jobId: uuidv7(), credits: 1 })),
      'NOT_FOUND',
      'an erased account reserves nothing',
    );
    const kept = await sql.query<{ kind: string; credits: string }>(
      `SELECT kind, credits FROM auth.credit_ledger WHERE account = $1 ORDER BY id`,
      [erased.reference],
    );
    assert.deepEqual(
      kept.rows.map((r) => [r.kind, Number(r.credits)]),
      [
        ['reserve', 5],
        ['ocr_pages', 5],
        ['settle', 5],
      ],
    );
    const audit = await sql.query<{ action: string; subject: string; detail: unknown }>(
      `SELECT action, subject, detail FROM auth.audit_log WHERE subject = $1 ORDER BY id`,
      [erased.reference],
    );
    assert.deepEqual(
      audit.rows.map((r) => r.action),
      ['account.export', 'account.delete'],
    );
    const everything = JSON.stringify((await sql.query(`SELECT * FROM auth.audit_log`)).rows);
    assert.ok(
      !everything.includes(email) && !everything.includes(user),
      'the audit log holds neither the email address nor the account id',
    );

    assert.equal(await codeOf(call(RPC.CREDITS_USAGE, { userId: user })), 'NOT_FOUND');
    assert.equal(await codeOf(call(RPC.AUTH_ACCOUNT_DELETE, { userId: user })), 'NOT_FOUND');
    // A gateway that missed the erasure broadcast learns it from its deny-list refresh.
    const denied = await call<{ items: { userId: string; at: number }[] }>(RPC.AUTH_DENIED_USERS, {
      sinceSeconds: 60,
    });
    assert.ok(
      denied.items.some((d) => d.userId === user),
      'the erased account is in the deny list gateways read',
    );
  });
});
