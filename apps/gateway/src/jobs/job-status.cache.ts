import type { JobView } from '@docat/contracts';

/** Longest a job's status is answered from this process before ingestion is asked again. */
export const JOB_STATUS_MAX_AGE_MS = 1_000;
/** Jobs whose status is kept (the ones being polled right now); the oldest is forgotten first. */
export const JOB_STATUS_MAX_ENTRIES = 10_000;

/** A job's status as answered: the view and its JSON text (serialised once, sent many times). */
export interface JobStatus {
  view: JobView;
  json: string;
}

interface Entry {
  userId: string;
  status: JobStatus;
  /** Epoch ms after which the entry is not used. */
  until: number;
}

interface InFlight {
  promise: Promise<JobStatus>;
  /** Set when the job changed while the read was in flight: its answer is not kept. */
  stale: boolean;
}

export interface JobStatusCacheOptions {
  maxAgeMs?: number;
  maxEntries?: number;
  now?: () => number;
}

/**
 * The status of the jobs being polled, kept in the gateway process, so that a poll of
 * `GET /v1/jobs/:id` costs no RPC. An entry is the answer ingestion gave to the job's
 * owner; it is served to that user only (anyone else is asked about over RPC, where
 * ownership is checked and another user's job is NOT_FOUND).
 *
 * Freshness: an entry is dropped when ingestion announces a new snapshot of the job
 * (`job.snapshot-changed`, broadcast to every replica right after the snapshot is
 * stored, before the job's events go out), when this gateway cancels or erases the job,
 * and in any case after `maxAgeMs` (1 s), which bounds how stale a status can be if an
 * announcement is lost. Reads of one job that miss at the same time share one RPC; an
 * answer read while the job changed is returned but not kept.
 */
export class JobStatusCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, InFlight>();
  private readonly maxAgeMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: JobStatusCacheOptions = {}) {
    this.maxAgeMs = options.maxAgeMs ?? JOB_STATUS_MAX_AGE_MS;
    this.maxEntries = options.maxEntries ?? JOB_STATUS_MAX_ENTRIES;
    this.now = options.now ?? Date.now;
  }

  /** Jobs whose status is kept. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * `userId`'s view of `jobId` when a fresh one is kept for them, else undefined (then
   * call `get`). Keys are job ids as ingestion answered them (valid, lower case), so an
   * id that is not one is simply not found.
   */
  peek(userId: string, jobId: string): JobStatus | undefined {
    const entry = this.entries.get(jobId);
    if (entry === undefined || entry.userId !== userId) return undefined;
    if (this.now() < entry.until) return entry.status;
    this.entries.delete(jobId);
    return undefined;
  }

  /**
   * `userId`'s view of `jobId`: the kept one when it is fresh and theirs, else what
   * `load` answers (the RPC to ingestion, which checks ownership), kept when it succeeds.
   */
  get(userId: string, jobId: string, load: () => Promise<JobView>): Promise<JobStatus> {
    const entry = this.entries.get(jobId);
    if (entry) {
      const now = this.now();
      if (now < entry.until) {
        if (entry.userId === userId) return Promise.resolve(entry.status);
      } else {
        this.entries.delete(jobId);
      }
    }
    const key = `${userId}\n${jobId}`;
    const running = this.inFlight.get(key);
    if (running) return running.promise;
    const flight: InFlight = {
      promise: Promise.resolve(undefined as unknown as JobStatus),
      stale: false,
    };
    flight.promise = load().then(
      (view) => {
        if (this.inFlight.get(key) === flight) this.inFlight.delete(key);
        const status: JobStatus = { view, json: JSON.stringify(view) };
        if (!flight.stale && view.id === jobId)
          this.keep(jobId, { userId, status, until: this.now() + this.maxAgeMs });
        return status;
      },
      (error: unknown) => {
        if (this.inFlight.get(key) === flight) this.inFlight.delete(key);
        throw error;
      },
    );
    this.inFlight.set(key, flight);
    return flight.promise;
  }

  /** The job changed (an announcement from ingestion, or a cancel or erase through this gateway). */
  invalidate(jobId: string): void {
    this.entries.delete(jobId);
    const suffix = `\n${jobId}`;
    for (const [key, flight] of this.inFlight) if (key.endsWith(suffix)) flight.stale = true;
  }

  clear(): void {
    this.entries.clear();
    for (const flight of this.inFlight.values()) flight.stale = true;
  }

  private keep(jobId: string, entry: Entry): void {
    this.entries.delete(jobId);
    if (this.entries.size >= this.maxEntries) {
      // Maps iterate in insertion order: the first key is the oldest entry.
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(jobId, entry);
  }
}
