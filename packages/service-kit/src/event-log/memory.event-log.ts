import type { EventLogPort } from './event-log.port.js';

export class MemoryEventLog implements EventLogPort {
  private readonly logs = new Map<string, { entries: { seq: number; payload: string }[]; expiresAt: number }>();

  async append(log: string, seq: number, payload: string, opts: { maxLen: number; ttlMs: number }): Promise<void> {
    const now = Date.now();
    let entry = this.logs.get(log);
    if (!entry || entry.expiresAt <= now) {
      entry = { entries: [], expiresAt: 0 };
      this.logs.set(log, entry);
    }
    const last = entry.entries[entry.entries.length - 1];
    if (!last || seq > last.seq) entry.entries.push({ seq, payload });
    if (entry.entries.length > opts.maxLen) entry.entries.splice(0, entry.entries.length - opts.maxLen);
    entry.expiresAt = now + opts.ttlMs;
  }

  async read(log: string, afterSeq: number, limit: number): Promise<{ seq: number; payload: string }[]> {
    const entry = this.logs.get(log);
    if (!entry || entry.expiresAt <= Date.now()) return [];
    return entry.entries.filter((e) => e.seq > afterSeq).slice(0, limit);
  }

  async close(): Promise<void> {
    this.logs.clear();
  }
}
