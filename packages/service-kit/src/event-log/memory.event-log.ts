import type { EventLogEntry, EventLogFollow, EventLogPort } from './event-log.port.js';
import { LocalFollowers } from './local-followers.js';

export class MemoryEventLog implements EventLogPort {
  private readonly logs = new Map<string, { entries: EventLogEntry[]; expiresAt: number }>();
  private readonly followers = new LocalFollowers((log, afterSeq, limit) =>
    this.read(log, afterSeq, limit),
  );

  async append(
    log: string,
    seq: number,
    payload: string,
    opts: { maxLen: number; ttlMs: number },
  ): Promise<void> {
    const now = Date.now();
    let entry = this.logs.get(log);
    if (!entry || entry.expiresAt <= now) {
      entry = { entries: [], expiresAt: 0 };
      this.logs.set(log, entry);
    }
    const last = entry.entries[entry.entries.length - 1];
    const stored = !last || seq > last.seq;
    if (stored) entry.entries.push({ seq, payload });
    if (entry.entries.length > opts.maxLen)
      entry.entries.splice(0, entry.entries.length - opts.maxLen);
    entry.expiresAt = now + opts.ttlMs;
    if (stored) this.followers.appended(log, { seq, payload });
  }

  async read(log: string, afterSeq: number, limit: number): Promise<EventLogEntry[]> {
    const entry = this.logs.get(log);
    if (!entry || entry.expiresAt <= Date.now()) return [];
    return entry.entries.filter((e) => e.seq > afterSeq).slice(0, limit);
  }

  follow(log: string, afterSeq: number, listener: (entry: EventLogEntry) => void): EventLogFollow {
    return this.followers.follow(log, afterSeq, listener);
  }

  async close(): Promise<void> {
    this.followers.clear();
    this.logs.clear();
  }
}
