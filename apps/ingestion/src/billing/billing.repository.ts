import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import { creditEstimateSchema, type CreditEstimate } from '@docat/contracts';
import { parseRows } from '@docat/database';
import { INGESTION_DB } from '../ingestion.tokens.js';

const BILLING_STATES = ['open', 'settled', 'released'] as const;
export type BillingState = (typeof BILLING_STATES)[number];

/** A row of `ingestion.job_billing`, parsed on read (bigints arrive as strings). */
const billingRowSchema = z.object({
  job_id: z.string(),
  job_created_at: z.date(),
  user_id: z.string(),
  reserved: z.string(),
  estimate: creditEstimateSchema,
  state: z.enum(BILLING_STATES),
  charged: z.string().nullable(),
  attempts: z.number(),
});
export type BillingRow = z.output<typeof billingRowSchema>;
const TABLE = 'ingestion.job_billing';

/** `ingestion.job_billing`: one row per job that holds a reservation, open until settled or released. */
@Injectable()
export class BillingRepository {
  constructor(@Inject(INGESTION_DB) private readonly db: DataSource) {}

  async insert(
    row: {
      jobId: string;
      jobCreatedAt: Date;
      userId: string;
      reserved: number;
      estimate: CreditEstimate;
    },
    tx: EntityManager,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO ingestion.job_billing (job_id, job_created_at, user_id, reserved, estimate) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (job_id) DO NOTHING`,
      [row.jobId, row.jobCreatedAt, row.userId, row.reserved, JSON.stringify(row.estimate)],
    );
  }

  async find(jobId: string): Promise<BillingRow | null> {
    const rows = parseRows(
      TABLE,
      billingRowSchema,
      await this.db.query(`SELECT * FROM ingestion.job_billing WHERE job_id = $1`, [jobId]),
    );
    return rows[0] ?? null;
  }

  /** Open rows whose job reached a terminal state, oldest first. */
  async openOfFinishedJobs(limit: number): Promise<{ job_id: string }[]> {
    return parseRows(
      TABLE,
      z.object({ job_id: z.string() }),
      await this.db.query(
        `SELECT b.job_id FROM ingestion.job_billing b
           JOIN ingestion.jobs j ON j.id = b.job_id AND j.created_at = b.job_created_at
          WHERE b.state = 'open' AND j.state IN ('completed', 'failed', 'cancelled')
          ORDER BY b.created_at LIMIT $1`,
        [limit],
      ),
    );
  }

  /** Open rows of the user, whatever their job's state. */
  async openOfUser(userId: string): Promise<BillingRow[]> {
    return parseRows(
      TABLE,
      billingRowSchema,
      await this.db.query(
        `SELECT * FROM ingestion.job_billing WHERE user_id = $1 AND state = 'open'`,
        [userId],
      ),
    );
  }

  async close(jobId: string, state: Exclude<BillingState, 'open'>, charged: number): Promise<void> {
    await this.db.query(
      `UPDATE ingestion.job_billing SET state = $2, charged = $3, closed_at = now() WHERE job_id = $1 AND state = 'open'`,
      [jobId, state, charged],
    );
  }

  async countAttempt(jobId: string): Promise<void> {
    await this.db.query(
      `UPDATE ingestion.job_billing SET attempts = attempts + 1 WHERE job_id = $1`,
      [jobId],
    );
  }

  async deleteOfUser(userId: string): Promise<void> {
    await this.db.query(`DELETE FROM ingestion.job_billing WHERE user_id = $1`, [userId]);
  }
}
