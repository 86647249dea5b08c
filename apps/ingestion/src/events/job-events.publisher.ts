import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  EVENTS,
  jobViewSchema,
  type EventName,
  type JobEvent,
  type JobView,
  type JOB_EVENT_TYPES,
  type JobWarning,
  type ErrorCode,
} from '@docat/contracts';
import { BUS, CACHE, type BusClient, type CachePort } from '@docat/service-kit';
import { INGESTION_SETTINGS, type IngestionSettings } from '../ingestion.tokens.js';
import type { JobRow } from '../jobs/job.row.js';
import { toJobView } from '../jobs/job-view.js';
import type { Db } from '../jobs/jobs.repository.js';
import { FIRST_EVENT_SEQ, JobsRepository } from '../jobs/jobs.repository.js';
import { resultCacheKey } from '../orchestration/result-cache-key.js';

type JobEventType = (typeof JOB_EVENT_TYPES)[number];

const EVENT_NAME: Record<JobEventType, EventName> = {
  state: EVENTS.JOB_STATE_CHANGED,
  progress: EVENTS.JOB_PROGRESS,
  warning: EVENTS.JOB_PROGRESS,
  completed: EVENTS.JOB_COMPLETED,
  failed: EVENTS.JOB_FAILED,
  cancelled: EVENTS.JOB_CANCELLED,
};

/** An event numbered inside the transaction that caused it, published after commit. */
export interface PendingEvent {
  name: EventName;
  event: JobEvent;
}

/** Parsed snapshots kept in memory: the jobs being polled right now. */
const PARSED_SNAPSHOTS = 2_000;

interface Snapshot {
  userId: string;
  view: JobView;
}

/**
 * Job events and job snapshots. A change numbers its event in its own transaction
 * (`event_seq`), then, once committed, refreshes the cached snapshot `jobs.get` serves
 * and publishes the event for the notification service.
 */
@Injectable()
export class JobEventsPublisher {
  private readonly logger = new Logger(JobEventsPublisher.name);
  /**
   * The last parsed snapshot per job, with the text it came from. The cache stays the
   * truth (every read fetches the text, so a change made by another replica shows at
   * once); only the parse of an unchanged text is skipped. Callers copy what they send.
   */
  private readonly parsedSnapshots = new Map<string, { text: string; snapshot: Snapshot }>();

  constructor(
    private readonly jobs: JobsRepository,
    @Inject(BUS) private readonly bus: BusClient,
    @Inject(CACHE) private readonly cache: CachePort,
    @Inject(INGESTION_SETTINGS) private readonly settings: IngestionSettings,
  ) {}

  async prepare(
    row: JobRow,
    type: JobEventType,
    db: Db,
    extra: { warning?: JobWarning; error?: { code: ErrorCode; message: string } } = {},
  ): Promise<PendingEvent> {
    return this.eventOf(row, type, await this.jobs.nextEventSeq(row, db), extra);
  }

  /**
   * The first event of a job just inserted (with `FIRST_EVENT_SEQ`), in the same
   * transaction: numbered by the insert, so it costs no statement.
   */
  prepareFirst(row: JobRow, type: JobEventType): PendingEvent {
    if (row.event_seq !== FIRST_EVENT_SEQ)
      throw new Error(`job ${row.id} is not new: its events are at ${row.event_seq}`);
    return this.eventOf(row, type, row.event_seq);
  }

  private eventOf(
    row: JobRow,
    type: JobEventType,
    seq: number,
    extra: { warning?: JobWarning; error?: { code: ErrorCode; message: string } } = {},
  ): PendingEvent {
    const event: JobEvent = {
      jobId: row.id,
      seq,
      type,
      state: row.state,
      stage: row.stage,
      progress: row.progress,
      ...(extra.warning ? { warning: extra.warning } : {}),
      ...(extra.error ? { error: extra.error } : {}),
      at: new Date().toISOString(),
    };
    return { name: EVENT_NAME[type], event };
  }

  /**
   * After commit: snapshot first, then the gateways forget the status they keep, then
   * the events, so a client woken by an event reads the new state.
   */
  async publish(row: JobRow, events: readonly PendingEvent[]): Promise<void> {
    await this.storeSnapshot(row);
    await this.snapshotChanged(row.id);
    for (const { name, event } of events) {
      try {
        await this.bus.emit(name, event, { context: { userId: row.user_id } });
      } catch (err) {
        this.logger.warn(
          `event ${name} of job ${row.id} not published: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
  }

  async broadcast(name: EventName, data: unknown): Promise<void> {
    await this.bus
      .emit(name, data)
      .catch((err: unknown) =>
        this.logger.warn(
          `broadcast ${name} failed: ${err instanceof Error ? err.message : String(err)}`,
        ),
      );
  }

  /** The Redis result cache in front of `result_dedupe`: (user, file, options) -> completed job. */
  async rememberResult(row: JobRow): Promise<void> {
    if (!row.sha256) return;
    await this.cache
      .set(
        resultKey(row.user_id, row.sha256, resultCacheKey(row.options)),
        row.results_job_id ?? row.id,
        this.settings.resultCacheTtlMs,
      )
      // The result cache is a shortcut: a failed write means the next identical upload misses it.
      .catch(() => undefined);
  }

  async cachedResult(userId: string, sha256: string, optionsHash: string): Promise<string | null> {
    return this.cache.get(resultKey(userId, sha256, optionsHash)).catch(() => null);
  }

  async forgetResult(userId: string, sha256: string, optionsHash: string): Promise<void> {
    // A cached id is checked before use (job completed, results present), so a stale one is ignored.
    await this.cache.del(resultKey(userId, sha256, optionsHash)).catch(() => undefined);
  }

  async storeSnapshot(row: JobRow): Promise<void> {
    const snapshot: Snapshot = { userId: row.user_id, view: toJobView(row) };
    await this.cache
      .set(snapshotKey(row.id), JSON.stringify(snapshot), this.settings.snapshotTtlMs)
      // A snapshot is a cache of the database row; a failed write sends reads to the database.
      .catch(() => undefined);
  }

  async dropSnapshot(jobId: string): Promise<void> {
    await this.cache.del(snapshotKey(jobId)).catch((err: unknown) => {
      // The snapshot expires with its TTL; until then a read may see the job's last state.
      this.logger.warn(
        `dropping the snapshot of job ${jobId} failed: ${err instanceof Error ? err.message : String(err)}`,
      );
    });
    await this.snapshotChanged(jobId);
  }

  /**
   * Tells every gateway replica that the job's snapshot changed (`job.snapshot-changed`):
   * they keep a job's status for at most a second, and drop it at once on this event.
   */
  private async snapshotChanged(jobId: string): Promise<void> {
    await this.broadcast(EVENTS.JOB_SNAPSHOT_CHANGED, { jobId });
  }

  async readSnapshot(jobId: string): Promise<Snapshot | null> {
    const text = await this.cache.get(snapshotKey(jobId)).catch(() => null);
    if (!text) return null;
    // A polled job answers the same text many times: it is parsed and checked once.
    const known = this.parsedSnapshots.get(jobId);
    if (known?.text === text) return known.snapshot;
    let snapshot: Snapshot | null = null;
    try {
      const parsed = JSON.parse(text) as { userId?: unknown; view?: unknown };
      const view = jobViewSchema.safeParse(parsed.view);
      if (typeof parsed.userId === 'string' && view.success)
        snapshot = { userId: parsed.userId, view: view.data };
    } catch {
      return null;
    }
    if (!snapshot) return null;
    this.parsedSnapshots.delete(jobId);
    if (this.parsedSnapshots.size >= PARSED_SNAPSHOTS) {
      const oldest = this.parsedSnapshots.keys().next();
      if (!oldest.done) this.parsedSnapshots.delete(oldest.value);
    }
    this.parsedSnapshots.set(jobId, { text, snapshot });
    return snapshot;
  }
}

function resultKey(userId: string, sha256: string, optionsHash: string): string {
  return `result:${userId}:${sha256}:${optionsHash}`;
}

function snapshotKey(jobId: string): string {
  return `job:${jobId}`;
}
