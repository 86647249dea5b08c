import { Inject, Injectable, Logger } from '@nestjs/common';
import { DocatError, TERMINAL_STATES } from '@docat/contracts';
import { STORAGE, type ObjectStorage } from '@docat/service-kit';
import { JobEventsPublisher } from '../events/job-events.publisher.js';
import { resultCacheKey } from '../orchestration/result-cache-key.js';
import { RetentionRepository } from '../retention/retention.repository.js';
import { JobsRepository } from './jobs.repository.js';

/**
 * `POST /v1/jobs/{id}/erase`: a finished job of the caller's goes for good, with its
 * record, its results and its upload. Results that another of the caller's jobs was
 * answered from (the result cache) stay until that job's own files go; the retention
 * sweep then removes them too.
 */
@Injectable()
export class JobDeletionService {
  private readonly logger = new Logger('JobDeletion');

  constructor(
    private readonly jobs: JobsRepository,
    private readonly retention: RetentionRepository,
    private readonly events: JobEventsPublisher,
    @Inject(STORAGE) private readonly storage: ObjectStorage,
  ) {}

  async delete(userId: string, jobId: string): Promise<{ id: string; objects: number }> {
    const row = await this.jobs.find(jobId);
    if (!row || row.user_id !== userId) throw new DocatError('NOT_FOUND', 'no such job');
    if (!TERMINAL_STATES.has(row.state))
      throw new DocatError(
        'JOB_NOT_FINISHED',
        `the job is ${row.state}: cancel it before deleting it`,
      );
    // Nothing may be answered from it any more: the result cache and the snapshot go first.
    if (row.sha256) await this.events.forgetResult(userId, row.sha256, resultCacheKey(row.options));
    await this.retention.deleteJobs([{ id: row.id, created_at: row.created_at }]);
    await this.events.dropSnapshot(row.id);
    let objects = 0;
    if (!(await this.retention.resultsReadBy(row.id)))
      objects += await this.storage.deletePrefix(`jobs/${row.id}/`);
    // This job read another's results, whose record is already gone: if nothing else reads them, they go now.
    if (
      row.results_job_id &&
      (await this.retention.orphanedResults([row.results_job_id])).length > 0
    ) {
      objects += await this.storage.deletePrefix(`jobs/${row.results_job_id}/`);
    }
    if (
      !(await this.retention.sourceKeyUsed(row.source_key)) &&
      (await this.storage.head(row.source_key).catch(() => null))
    ) {
      await this.storage.delete(row.source_key);
      objects += 1;
    }
    this.logger.log(`job ${row.id} deleted by its owner with ${objects} stored objects`);
    return { id: row.id, objects };
  }
}
