import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { makeEnvelope, QUEUE_PAYLOADS, QUEUES } from '@docat/contracts';
import { QUEUE, parseOrThrow, type QueueJob, type QueuePort } from '@docat/service-kit';
import { AccountsRetentionService } from './accounts-retention.service.js';
import { RETENTION_CLOCK, type Clock } from './clock.js';
import { RetentionService } from './retention.service.js';
import { RETENTION_SETTINGS, type RetentionSettings } from './retention.settings.js';

export const RETENTION_TASK = 'retention';

/**
 * Runs the retention sweep as a scheduled job on the maintenance queue, through the
 * queue port (BullMQ in cluster mode, pg-boss in standalone): each run is a delayed job
 * for the next slot of RETENTION_SWEEP_INTERVAL, its id made from the slot, so every
 * ingestion replica scheduling it at boot or after a run adds one job, and one replica
 * runs it. A process that was down simply schedules the next slot when it starts.
 */
@Injectable()
export class RetentionScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger('Retention');

  constructor(
    @Inject(QUEUE) private readonly queue: QueuePort,
    private readonly retention: RetentionService,
    private readonly accounts: AccountsRetentionService,
    @Inject(RETENTION_SETTINGS) private readonly settings: RetentionSettings,
    @Inject(RETENTION_CLOCK) private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.work<unknown>(QUEUES.MAINTENANCE, (job) => this.run(job), { concurrency: 1 });
    await this.scheduleNext();
  }

  async run(job: QueueJob<unknown>): Promise<void> {
    const { task } = parseOrThrow(QUEUE_PAYLOADS[QUEUES.MAINTENANCE], job.data.data);
    if (task !== RETENTION_TASK) {
      this.logger.warn(`ignored maintenance task ${task}`);
      return;
    }
    try {
      await this.retention.sweep(job.signal);
      await this.accounts.sweep(job.signal);
    } finally {
      await this.scheduleNext().catch((err: unknown) =>
        this.logger.error(`could not schedule the next retention sweep: ${String(err)}`),
      );
    }
  }

  /** The next sweep, at the next multiple of the interval (since the epoch). */
  async scheduleNext(): Promise<{ id: string; runAt: Date }> {
    const now = this.clock.now().getTime();
    const interval = this.settings.intervalMs;
    const slot = (Math.floor(now / interval) + 1) * interval;
    const { id } = await this.queue.enqueue(
      QUEUES.MAINTENANCE,
      makeEnvelope(QUEUES.MAINTENANCE, 1, { task: RETENTION_TASK }),
      { jobId: `${RETENTION_TASK}:${slot}`, delayMs: slot - now, attempts: 3, backoffMs: 60_000 },
    );
    return { id, runAt: new Date(slot) };
  }
}
