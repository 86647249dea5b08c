/** One stored entry of a log. */
export interface EventLogEntry {
  seq: number;
  payload: string;
}

/** A live follow of one log; `close` stops delivery and is idempotent. */
export interface EventLogFollow {
  close(): void;
}

/**
 * Append-only logs keyed by name (a job's event stream): Redis Streams in cluster mode,
 * memory in standalone. Entries carry a caller-chosen increasing `seq`; a log is capped
 * at `maxLen` entries and expires `ttlMs` after its last append.
 */
export interface EventLogPort {
  append(
    log: string,
    seq: number,
    payload: string,
    opts: { maxLen: number; ttlMs: number },
  ): Promise<void>;
  /** Entries with seq > afterSeq, oldest first. */
  read(log: string, afterSeq: number, limit: number): Promise<EventLogEntry[]>;
  /**
   * Delivers every entry with seq > afterSeq, those already stored and then those
   * appended later, each once and in seq order, until `close`. However many follows
   * are open, a process uses a bounded number of connections for them.
   */
  follow(log: string, afterSeq: number, listener: (entry: EventLogEntry) => void): EventLogFollow;
  close(): Promise<void>;
}

/** The log holding a job's events; the notification service appends, readers follow. */
export function jobEventLogName(jobId: string): string {
  return `job:${jobId}`;
}
