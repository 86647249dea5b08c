/**
 * Append-only logs keyed by name (a job's event stream): Redis Streams in cluster mode,
 * memory in standalone. Entries carry a caller-chosen increasing `seq`; a log is capped
 * at `maxLen` entries and expires `ttlMs` after its last append.
 */
export interface EventLogPort {
  append(log: string, seq: number, payload: string, opts: { maxLen: number; ttlMs: number }): Promise<void>;
  /** Entries with seq > afterSeq, oldest first. */
  read(log: string, afterSeq: number, limit: number): Promise<{ seq: number; payload: string }[]>;
  close(): Promise<void>;
}
