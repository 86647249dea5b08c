import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { DocatError, type AdminUserView, type UserView } from '@docat/contracts';
import { AUTH_DATA_SOURCE } from '../auth.tokens.js';
import { z } from 'zod';
import { parseRows } from '@docat/database';

export interface UserRecord {
  id: string;
  email: string;
  passwordHash: string;
  role: 'user' | 'admin';
  plan: string;
  emailVerifiedAt: Date | null;
  disabledAt: Date | null;
  /** Access tokens issued at or before this second are refused. */
  tokensRevokedAt: Date | null;
  createdAt: Date;
}

const userRowSchema = z.object({
  id: z.string(),
  email: z.string(),
  password_hash: z.string(),
  role: z.enum(['user', 'admin']),
  plan: z.string(),
  email_verified_at: z.date().nullable(),
  disabled_at: z.date().nullable(),
  tokens_revoked_at: z.date().nullable(),
  created_at: z.date(),
});
type UserRow = z.output<typeof userRowSchema>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const COLUMNS =
  'id, email, password_hash, role, plan, email_verified_at, disabled_at, tokens_revoked_at, created_at';

function toRecord(row: UserRow): UserRecord {
  return {
    id: row.id,
    email: row.email,
    passwordHash: row.password_hash,
    role: row.role,
    plan: row.plan,
    emailVerifiedAt: row.email_verified_at,
    disabledAt: row.disabled_at,
    tokensRevokedAt: row.tokens_revoked_at,
    createdAt: row.created_at,
  };
}

export function toUserView(user: UserRecord): UserView {
  return {
    id: user.id,
    email: user.email,
    role: user.role,
    plan: user.plan,
    emailVerified: user.emailVerifiedAt !== null,
    createdAt: user.createdAt.toISOString(),
  };
}

export function toAdminUserView(user: UserRecord): AdminUserView {
  return {
    id: user.id,
    email: user.email,
    role: user.role,
    plan: user.plan,
    emailVerified: user.emailVerifiedAt !== null,
    disabledAt: user.disabledAt?.toISOString() ?? null,
    createdAt: user.createdAt.toISOString(),
  };
}

function isUniqueViolation(error: unknown): boolean {
  const driverError = (error as { driverError?: { code?: unknown }; code?: unknown }) ?? {};
  return driverError.code === '23505' || driverError.driverError?.code === '23505';
}

type Executor = EntityManager | DataSource;

@Injectable()
export class UsersRepository {
  constructor(@Inject(AUTH_DATA_SOURCE) private readonly db: DataSource) {}

  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction('READ COMMITTED', work);
  }

  async insert(
    user: Omit<UserRecord, 'createdAt' | 'disabledAt' | 'emailVerifiedAt' | 'tokensRevokedAt'> & {
      emailVerified?: boolean;
    },
    tx?: EntityManager,
  ): Promise<UserRecord> {
    try {
      const rows = parseRows(
        'auth.users',
        userRowSchema,
        await (tx ?? this.db).query(
          `INSERT INTO auth.users (id, email, password_hash, role, plan, email_verified_at)
         VALUES ($1, $2, $3, $4, $5, CASE WHEN $6::boolean THEN now() END) RETURNING ${COLUMNS}`,
          [
            user.id,
            user.email,
            user.passwordHash,
            user.role,
            user.plan,
            user.emailVerified ?? false,
          ],
        ),
      );
      return toRecord(rows[0]!);
    } catch (error) {
      if (isUniqueViolation(error)) throw new DocatError('EMAIL_TAKEN');
      throw error;
    }
  }

  /** Emails are unique regardless of case: `users_email_lower_key` on lower(email). */
  async findByEmail(email: string): Promise<UserRecord | null> {
    const rows = parseRows(
      'auth.users',
      userRowSchema,
      await this.db.query(`SELECT ${COLUMNS} FROM auth.users WHERE lower(email) = lower($1)`, [
        email,
      ]),
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async findById(id: string, tx?: Executor): Promise<UserRecord | null> {
    if (!UUID.test(id)) return null;
    const rows = parseRows(
      'auth.users',
      userRowSchema,
      await (tx ?? this.db).query(`SELECT ${COLUMNS} FROM auth.users WHERE id = $1`, [id]),
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** Newest first; the cursor is the last id of the previous page (ids are UUIDv7, so time-ordered). */
  async list(filter: { email?: string; cursor?: string; limit: number }): Promise<UserRecord[]> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (filter.email) {
      params.push(`%${filter.email.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      where.push(`lower(email) LIKE $${params.length}`);
    }
    if (filter.cursor) {
      params.push(filter.cursor);
      where.push(`id < $${params.length}`);
    }
    params.push(filter.limit);
    const rows = parseRows(
      'auth.users',
      userRowSchema,
      await this.db.query(
        `SELECT ${COLUMNS} FROM auth.users ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}`,
        params,
      ),
    );
    return rows.map(toRecord);
  }

  /** Sets or clears `disabled_at`; disabling also refuses every access token issued so far. */
  async setDisabled(tx: EntityManager, id: string, disabled: boolean): Promise<UserRecord | null> {
    const rows = parseRows(
      'auth.users',
      userRowSchema,
      await tx.query(
        `UPDATE auth.users SET disabled_at = CASE WHEN $2::boolean THEN coalesce(disabled_at, now()) END,
              tokens_revoked_at = CASE WHEN $2::boolean THEN now() ELSE tokens_revoked_at END, updated_at = now()
        WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, disabled],
      ),
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async setPlan(id: string, plan: string): Promise<UserRecord | null> {
    const rows = parseRows(
      'auth.users',
      userRowSchema,
      await this.db.query(
        `UPDATE auth.users SET plan = $2, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, plan],
      ),
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async setPassword(tx: EntityManager, id: string, passwordHash: string): Promise<void> {
    await tx.query(`UPDATE auth.users SET password_hash = $2, updated_at = now() WHERE id = $1`, [
      id,
      passwordHash,
    ]);
  }

  /** Marks the email verified; the answer says whether this call did it (first verification). */
  async markEmailVerified(tx: EntityManager, id: string): Promise<boolean> {
    const rows = parseRows(
      'auth.users',
      z.object({ id: z.string() }),
      await tx.query(
        `UPDATE auth.users SET email_verified_at = now(), updated_at = now() WHERE id = $1 AND email_verified_at IS NULL RETURNING id`,
        [id],
      ),
    );
    return rows.length > 0;
  }

  /** Refuses every access token of the user issued until now; answers the moment. */
  async revokeTokens(tx: EntityManager, id: string): Promise<Date> {
    const rows = parseRows(
      'auth.users',
      z.object({ tokens_revoked_at: z.date() }),
      await tx.query(
        `UPDATE auth.users SET tokens_revoked_at = now() WHERE id = $1 RETURNING tokens_revoked_at`,
        [id],
      ),
    );
    return rows[0]?.tokens_revoked_at ?? new Date();
  }

  /**
   * Accounts whose tokens were revoked since `since`, erased accounts included, for gateways
   * rebuilding or refreshing their deny list. Erasure records older than the longest
   * possible access-token lifetime (one day, the configuration's bound) plus a margin refuse
   * nothing any more and are deleted here.
   */
  async tokensRevokedSince(since: Date): Promise<{ userId: string; at: Date }[]> {
    await this.db.query(
      `DELETE FROM auth.erased_accounts WHERE erased_at < now() - interval '1 day 1 hour'`,
    );
    const rows = parseRows(
      'auth.users',
      z.object({ id: z.string(), at: z.date() }),
      await this.db.query(
        `SELECT id::text AS id, tokens_revoked_at AS at FROM auth.users WHERE tokens_revoked_at >= $1
       UNION ALL
       SELECT user_id::text, erased_at FROM auth.erased_accounts WHERE erased_at >= $1
       LIMIT 100000`,
        [since],
      ),
    );
    return rows.map((row) => ({ userId: row.id, at: row.at }));
  }

  async ping(): Promise<void> {
    await this.db.query('SELECT 1');
  }
}
