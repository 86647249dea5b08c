import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { INGESTION_DB } from '../ingestion.tokens.js';
import type { ChunkRow } from '../jobs/job.row.js';
import type { Db } from '../jobs/jobs.repository.js';
import type { ChunkRange } from '@docat/pipeline';

/** `job_chunks`: one row per (job, chunk) with the step it is at and that step's state and lease. */
@Injectable()
export class ChunksRepository {
  constructor(@Inject(INGESTION_DB) private readonly db: DataSource) {}

  async insert(jobId: string, userId: string, chunks: readonly ChunkRange[], db: Db): Promise<void> {
    if (chunks.length === 0) return;
    const values: unknown[] = [];
    const tuples = chunks.map((c, i) => {
      values.push(jobId, c.chunk, userId, c.pageFrom, c.pageTo);
      const b = i * 5;
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, 'extract', 'pending')`;
    });
    await db.query(
      `INSERT INTO ingestion.job_chunks (job_id, chunk, user_id, page_from, page_to, step, state) VALUES ${tuples.join(', ')}
       ON CONFLICT (job_id, chunk) DO NOTHING`,
      values,
    );
  }

  async forJob(jobId: string, db: Db = this.db, lock = false): Promise<ChunkRow[]> {
    return (await db.query(`SELECT * FROM ingestion.job_chunks WHERE job_id = $1 ORDER BY chunk${lock ? ' FOR UPDATE' : ''}`, [jobId])) as ChunkRow[];
  }

  async setPages(jobId: string, chunk: number, pageFrom: number, pageTo: number, db: Db): Promise<void> {
    await db.query(`UPDATE ingestion.job_chunks SET page_from = $3, page_to = $4 WHERE job_id = $1 AND chunk = $2`, [jobId, chunk, pageFrom, pageTo]);
  }

  async advance(jobId: string, chunk: number, to: { step: ChunkRow['step']; state: ChunkRow['state']; billed?: number }, db: Db): Promise<void> {
    await db.query(
      `UPDATE ingestion.job_chunks SET step = $3, state = $4, billed_characters = billed_characters + $5, lease_expires_at = NULL, updated_at = now()
       WHERE job_id = $1 AND chunk = $2`,
      [jobId, chunk, to.step, to.state, to.billed ?? 0],
    );
  }

  async cancelOpen(jobId: string, db: Db): Promise<void> {
    await db.query(`UPDATE ingestion.job_chunks SET state = 'cancelled', updated_at = now() WHERE job_id = $1 AND state IN ('pending', 'running')`, [jobId]);
  }

  async runningCount(userId: string, db: Db): Promise<number> {
    const rows = (await db.query(`SELECT count(*)::int AS n FROM ingestion.job_chunks WHERE user_id = $1 AND state = 'running'`, [userId])) as { n: number }[];
    return rows[0]?.n ?? 0;
  }

  /** The user's oldest pending chunk steps, locked, oldest job first. */
  async pendingForUser(userId: string, limit: number, db: Db): Promise<ChunkRow[]> {
    return (await db.query(
      `SELECT * FROM ingestion.job_chunks WHERE user_id = $1 AND state = 'pending'
       ORDER BY job_id, chunk LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [userId, limit],
    )) as ChunkRow[];
  }

  async markRunning(rows: readonly ChunkRow[], leaseMs: number, db: Db, bumpLease = false): Promise<ChunkRow[]> {
    const out: ChunkRow[] = [];
    for (const row of rows) {
      const updated = (await db.query(
        `UPDATE ingestion.job_chunks SET state = 'running', lease = lease + $3, lease_expires_at = now() + ($4 || ' milliseconds')::interval, updated_at = now()
         WHERE job_id = $1 AND chunk = $2 RETURNING *`,
        [row.job_id, row.chunk, bumpLease ? 1 : 0, String(leaseMs)],
      )) as [ChunkRow[], number];
      out.push(updated[0][0]!);
    }
    return out;
  }

  async expired(now: Date, limit = 100): Promise<ChunkRow[]> {
    return (await this.db.query(`SELECT * FROM ingestion.job_chunks WHERE state = 'running' AND lease_expires_at < $1 ORDER BY lease_expires_at LIMIT $2`, [now, limit])) as ChunkRow[];
  }

  /** Users with pending chunk steps (dispatch candidates after a restart or a missed event). */
  async usersWithPending(limit = 100): Promise<string[]> {
    const rows = (await this.db.query(`SELECT DISTINCT user_id FROM ingestion.job_chunks WHERE state = 'pending' LIMIT $1`, [limit])) as { user_id: string }[];
    return rows.map((r) => r.user_id);
  }
}
