import { Inject, Injectable, Logger } from '@nestjs/common';
import { uuidv7Time } from '@docat/contracts';
import { retentionDeleted, retentionLastSweep } from '@docat/observability';
import { STORAGE, type ObjectInfo, type ObjectStorage } from '@docat/service-kit';
import { RETENTION_CLOCK, type Clock } from './clock.js';
import { RetentionRepository, type JobRef } from './retention.repository.js';
import { RETENTION_SETTINGS, type RetentionSettings } from './retention.settings.js';

export interface RetentionReport {
  /** Uploaded source PDFs deleted. */
  uploads: number;
  /** Jobs whose stored files (chunk results and outputs) were deleted. */
  results: number;
  /** Job records deleted, whole partitions included. */
  jobs: number;
  /** Monthly partitions dropped. */
  partitionsDropped: number;
}

const UPLOADS_PREFIX = 'uploads/';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Months of partitions kept ready ahead of the current one. */
const MONTHS_AHEAD = 2;
/** Storage deletes in flight at once. */
const DELETE_CONCURRENCY = 8;

/** When an upload was stored: the time in its UUIDv7 name, else the storage's modification time. */
function uploadTime(info: ObjectInfo): number | undefined {
  const name = info.key.slice(UPLOADS_PREFIX.length);
  if (UUID.test(name)) return uuidv7Time(name);
  return info.lastModified?.getTime();
}

async function inBatches<T>(
  items: readonly T[],
  work: (item: T) => Promise<unknown>,
): Promise<void> {
  for (let i = 0; i < items.length; i += DELETE_CONCURRENCY) {
    await Promise.all(items.slice(i, i + DELETE_CONCURRENCY).map(work));
  }
}

/**
 * The retention sweeps of the source design, in batches: uploads after RETENTION_UPLOADS,
 * a finished job's files after RETENTION_RESULTS, job records after RETENTION_JOBS (whole
 * monthly partitions dropped, the month that straddles the limit row by row), with next
 * months' partitions created ahead. Each step is safe to repeat: a sweep cut short is
 * finished by the next one.
 */
@Injectable()
export class RetentionService {
  private readonly logger = new Logger('Retention');

  constructor(
    private readonly repository: RetentionRepository,
    @Inject(STORAGE) private readonly storage: ObjectStorage,
    @Inject(RETENTION_SETTINGS) private readonly settings: RetentionSettings,
    @Inject(RETENTION_CLOCK) private readonly clock: Clock,
  ) {}

  async sweep(signal?: AbortSignal): Promise<RetentionReport> {
    const now = this.clock.now();
    await this.createPartitionsAhead(now);
    const uploads = await this.sweepUploads(
      new Date(now.getTime() - this.settings.uploadsMs),
      signal,
    );
    const results = await this.sweepFiles(
      new Date(now.getTime() - this.settings.resultsMs),
      now,
      signal,
    );
    const { jobs, partitionsDropped } = await this.sweepJobs(
      new Date(now.getTime() - this.settings.jobsMs),
      now,
      signal,
    );
    retentionLastSweep.set(this.clock.now().getTime() / 1000);
    const report = { uploads, results, jobs, partitionsDropped };
    this.logger.log(
      `retention sweep: ${uploads} uploads, ${results} jobs' files, ${jobs} job records, ${partitionsDropped} partitions dropped`,
    );
    return report;
  }

  /** The partitions of this month and the next ones, so inserts never miss one. */
  private async createPartitionsAhead(now: Date): Promise<void> {
    for (let k = 0; k <= MONTHS_AHEAD; k++) {
      await this.repository.ensurePartition(
        new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + k, 1)),
      );
    }
  }

  /** Uploads stored before `before`, except those a job still being worked on reads. */
  private async sweepUploads(before: Date, signal?: AbortSignal): Promise<number> {
    const inUse = await this.repository.sourceKeysInUse();
    let deleted = 0;
    let batch: string[] = [];
    const flush = async (): Promise<void> => {
      await inBatches(batch, (key) => this.storage.delete(key));
      deleted += batch.length;
      retentionDeleted.inc({ kind: 'uploads' }, batch.length);
      batch = [];
    };
    for await (const info of this.storage.list(UPLOADS_PREFIX)) {
      signal?.throwIfAborted();
      const at = uploadTime(info);
      if (at === undefined || at >= before.getTime() || inUse.has(info.key)) continue;
      batch.push(info.key);
      if (batch.length >= this.settings.batch) await flush();
    }
    if (batch.length > 0) await flush();
    return deleted;
  }

  /** Every stored object of the jobs (chunk results and outputs) goes, then the jobs are marked. */
  private async deleteFiles(jobs: readonly JobRef[], now: Date): Promise<void> {
    await inBatches(jobs, (job) => this.storage.deletePrefix(`jobs/${job.id}/`));
    const owners = await this.repository.resultsOwners(jobs);
    await this.repository.markFilesDeleted(jobs, now);
    // Results these jobs were answered from, whose own job its owner deleted: the last reader is gone.
    const orphaned = await this.repository.orphanedResults(owners);
    await inBatches(orphaned, (id) => this.storage.deletePrefix(`jobs/${id}/`));
    retentionDeleted.inc({ kind: 'results' }, jobs.length);
  }

  private async sweepFiles(before: Date, now: Date, signal?: AbortSignal): Promise<number> {
    let total = 0;
    for (;;) {
      signal?.throwIfAborted();
      const due = await this.repository.filesDue(before, this.settings.batch);
      if (due.length === 0) return total;
      await this.deleteFiles(due, now);
      total += due.length;
    }
  }

  private async sweepJobs(
    before: Date,
    now: Date,
    signal?: AbortSignal,
  ): Promise<{ jobs: number; partitionsDropped: number }> {
    let jobs = 0;
    let partitionsDropped = 0;
    for (const partition of await this.repository.partitions()) {
      // The current month is never dropped, whatever the setting: inserts need it.
      if (partition.to.getTime() > before.getTime() || partition.to.getTime() > now.getTime())
        break;
      // A record never outlives its files: whatever a shorter results retention left is deleted first.
      for (;;) {
        signal?.throwIfAborted();
        const withFiles = await this.repository.withFilesIn(partition, this.settings.batch);
        if (withFiles.length === 0) break;
        await this.deleteFiles(withFiles, now);
      }
      const dropped = await this.repository.dropPartition(partition);
      jobs += dropped;
      partitionsDropped += 1;
      retentionDeleted.inc({ kind: 'jobs' }, dropped);
      retentionDeleted.inc({ kind: 'partitions' });
      this.logger.log(`dropped job partition ${partition.name} (${dropped} jobs)`);
    }
    // The month that straddles the limit: row by row.
    for (;;) {
      signal?.throwIfAborted();
      const old = await this.repository.createdBefore(before, this.settings.batch);
      if (old.length === 0) break;
      const withFiles = old.filter((j) => j.files);
      if (withFiles.length > 0) await this.deleteFiles(withFiles, now);
      await this.repository.deleteJobs(old);
      jobs += old.length;
      retentionDeleted.inc({ kind: 'jobs' }, old.length);
    }
    return { jobs, partitionsDropped };
  }
}
