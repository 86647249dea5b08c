import { Inject, Injectable } from '@nestjs/common';
import { jobEventSchema, type JobEvent } from '@docat/contracts';
import type { DocatConfig } from '@docat/config';
import { CONFIG, EVENT_LOG, jobEventLogName, type EventLogPort } from '@docat/service-kit';

/** A job's stream keeps its latest events only; clients resume from a seq inside it. */
const MAX_EVENTS_PER_JOB = 1_000;

/**
 * The per-job event streams. Events arrive at least once and possibly out of order
 * across replicas; the log is keyed by the event's `seq`, so a duplicate is dropped and
 * readers resume exactly after the last seq they saw.
 */
@Injectable()
export class JobEventsService {
  constructor(
    @Inject(EVENT_LOG) private readonly log: EventLogPort,
    @Inject(CONFIG) private readonly config: DocatConfig,
  ) {}

  async record(event: JobEvent): Promise<void> {
    await this.log.append(jobEventLogName(event.jobId), event.seq, JSON.stringify(event), {
      maxLen: MAX_EVENTS_PER_JOB,
      ttlMs: this.config.retention.results,
    });
  }

  async after(jobId: string, afterSeq: number, limit: number): Promise<JobEvent[]> {
    const entries = await this.log.read(jobEventLogName(jobId), afterSeq, limit);
    const events: JobEvent[] = [];
    for (const entry of entries) {
      const parsed = jobEventSchema.safeParse(JSON.parse(entry.payload));
      if (parsed.success) events.push(parsed.data);
    }
    return events;
  }
}
