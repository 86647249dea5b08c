import { Inject, Injectable, Logger } from '@nestjs/common';
import { EVENTS, jobStateSchema, TERMINAL_STATES } from '@docat/contracts';
import { STORAGE, type ObjectStorage } from '@docat/service-kit';
import { BillingRepository } from '../billing/billing.repository.js';
import { BillingService } from '../billing/billing.service.js';
import { JobEventsPublisher } from '../events/job-events.publisher.js';
import { JobsRepository } from '../jobs/jobs.repository.js';
import { affectedCount, parseRows } from '@docat/database';
import { z } from 'zod';

const ownedJobSchema = z.object({ id: z.string(), state: jobStateSchema, source_key: z.string() });

/**
 * Erases everything ingestion holds of an account: running jobs are told to stop, every
 * job's upload, chunk results and outputs are deleted from storage, then its rows.
 * Open reservations are released first, so the erased account is never charged for
 * work it will not receive. Running it again after a partial failure finishes the job.
 */
@Injectable()
export class AccountErasureService {
  private readonly logger = new Logger('AccountErasure');

  constructor(
    private readonly jobs: JobsRepository,
    private readonly billing: BillingService,
    private readonly billingRows: BillingRepository,
    private readonly events: JobEventsPublisher,
    @Inject(STORAGE) private readonly storage: ObjectStorage,
  ) {}

  async erase(userId: string): Promise<{ jobs: number; objects: number }> {
    await this.billing.releaseAllOf(userId);
    const owned = parseRows(
      'ingestion.jobs',
      ownedJobSchema,
      await this.jobs.db.query(
        `SELECT id, state, source_key FROM ingestion.jobs WHERE user_id = $1`,
        [userId],
      ),
    );
    for (const job of owned) {
      if (!TERMINAL_STATES.has(job.state))
        await this.events.broadcast(EVENTS.JOB_CANCEL_REQUESTED, { jobId: job.id });
    }
    let objects = 0;
    for (const job of owned) {
      objects += await this.storage.deletePrefix(`jobs/${job.id}/`);
      if (await this.storage.head(job.source_key).catch(() => null)) {
        await this.storage.delete(job.source_key);
        objects += 1;
      }
    }
    const erased = await this.jobs.transaction(async (tx) => {
      await tx.query(`DELETE FROM ingestion.job_chunks WHERE user_id = $1`, [userId]);
      await tx.query(`DELETE FROM ingestion.idempotency_keys WHERE user_id = $1`, [userId]);
      await tx.query(`DELETE FROM ingestion.result_dedupe WHERE user_id = $1`, [userId]);
      return affectedCount(
        await tx.query(`DELETE FROM ingestion.jobs WHERE user_id = $1`, [userId]),
      );
    });
    await this.billingRows.deleteOfUser(userId);
    this.logger.log(`erased ${erased} jobs and ${objects} stored objects of an account`);
    return { jobs: erased, objects };
  }
}
