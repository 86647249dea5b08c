import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DocatError, type UserView } from '@docat/contracts';
import { AUTH_DATA_SOURCE } from '../auth.tokens.js';

export interface UserRecord {
  id: string;
  email: string;
  passwordHash: string;
  role: 'user' | 'admin';
  plan: string;
  disabledAt: Date | null;
  createdAt: Date;
}

interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  role: 'user' | 'admin';
  plan: string;
  disabled_at: Date | null;
  created_at: Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const COLUMNS = 'id, email, password_hash, role, plan, disabled_at, created_at';

function toRecord(row: UserRow): UserRecord {
  return {
    id: row.id,
    email: row.email,
    passwordHash: row.password_hash,
    role: row.role,
    plan: row.plan,
    disabledAt: row.disabled_at,
    createdAt: row.created_at,
  };
}

export function toUserView(user: UserRecord): UserView {
  return { id: user.id, email: user.email, role: user.role, plan: user.plan, createdAt: user.createdAt.toISOString() };
}

function isUniqueViolation(error: unknown): boolean {
  const driverError = (error as { driverError?: { code?: unknown }; code?: unknown }) ?? {};
  return driverError.code === '23505' || driverError.driverError?.code === '23505';
}

@Injectable()
export class UsersRepository {
  constructor(@Inject(AUTH_DATA_SOURCE) private readonly db: DataSource) {}

  async insert(user: Omit<UserRecord, 'createdAt' | 'disabledAt'>): Promise<UserRecord> {
    try {
      const rows = await this.db.query<UserRow[]>(
        `INSERT INTO auth.users (id, email, password_hash, role, plan) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
        [user.id, user.email, user.passwordHash, user.role, user.plan],
      );
      return toRecord(rows[0]!);
    } catch (error) {
      if (isUniqueViolation(error)) throw new DocatError('EMAIL_TAKEN');
      throw error;
    }
  }

  /** Emails are unique regardless of case: `users_email_lower_key` on lower(email). */
  async findByEmail(email: string): Promise<UserRecord | null> {
    const rows = await this.db.query<UserRow[]>(`SELECT ${COLUMNS} FROM auth.users WHERE lower(email) = lower($1)`, [email]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async findById(id: string): Promise<UserRecord | null> {
    if (!UUID.test(id)) return null;
    const rows = await this.db.query<UserRow[]>(`SELECT ${COLUMNS} FROM auth.users WHERE id = $1`, [id]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async ping(): Promise<void> {
    await this.db.query('SELECT 1');
  }
}
