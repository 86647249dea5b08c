import { Inject, Injectable } from '@nestjs/common';
import { jobEventSchema, type JobEvent } from '@docat/contracts';
import type { DocatConfig } from '@docat/config';
import { CONFIG, EVENT_LOG, jobEventLogName, type EventLogPort } from '@docat/service-kit';

/** A job's stream keeps its latest events only; clients resume from a seq inside it. */
const MAX_EVENTS_PER_JOB = 1_000;
/**
 * An event that arrives before its predecessor waits this long for it, then is stored
 * anyway (a predecessor that was never published must not stall the stream).
 */
export const GAP_WAIT_MS = 3_000;
/** How often a waiting event looks for its predecessor stored by another replica. */
const GAP_POLL_MS = 100;

/**
 * The per-job event streams. Events arrive at least once and possibly out of order:
 * they are numbered in the transactions that cause them but published after commit, by
 * whichever ingestion replica made the change. The log only takes a seq above its last
 * (which is what drops a redelivered duplicate), so an event waits, without blocking
 * other events, until its predecessor is stored (by this replica or another) and is
 * appended in seq order: a client never sees a gap it cannot resume across.
 */
@Injectable()
export class JobEventsService {
  private readonly appended = new Map<string, Set<() => void>>();

  constructor(
    @Inject(EVENT_LOG) private readonly log: EventLogPort,
    @Inject(CONFIG) private readonly config: DocatConfig,
  ) {}

  async record(event: JobEvent): Promise<void> {
    const log = jobEventLogName(event.jobId);
    if (event.seq > 1) await this.predecessorStored(log, event.seq);
    await this.log.append(log, event.seq, JSON.stringify(event), {
      maxLen: MAX_EVENTS_PER_JOB,
      ttlMs: this.config.retention.results,
    });
    for (const wake of this.appended.get(log) ?? []) wake();
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

  /** Resolves once seq - 1 (or anything after it) is in the log, or after GAP_WAIT_MS. */
  private async predecessorStored(log: string, seq: number): Promise<void> {
    const deadline = Date.now() + GAP_WAIT_MS;
    for (;;) {
      const [next] = await this.log.read(log, seq - 2, 1);
      if (next && next.seq >= seq - 1) return;
      const left = deadline - Date.now();
      if (left <= 0) return;
      await this.nextAppendOrPoll(log, Math.min(left, GAP_POLL_MS));
    }
  }

  private nextAppendOrPoll(log: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let set = this.appended.get(log);
      if (!set) {
        set = new Set();
        this.appended.set(log, set);
      }
      const done = (): void => {
        clearTimeout(timer);
        const current = this.appended.get(log);
        current?.delete(done);
        if (current?.size === 0) this.appended.delete(log);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }
}
