import type { Redis } from 'ioredis';
import type { EventLogEntry, EventLogFollow } from './event-log.port.js';

interface Follower {
  lastSeq: number;
  listener: (entry: EventLogEntry) => void;
  closed: boolean;
}

export interface RedisStreamReaderOptions {
  /** How long one XREAD blocks; new follows interrupt it with CLIENT UNBLOCK. */
  blockMs?: number;
  /** Entries per stream per read. */
  count?: number;
}

const RETRY_MS = 500;
const UNBLOCK_TRIES = 20;
const UNBLOCK_RETRY_MS = 5;

/**
 * One reader per process for every followed stream: a single connection runs one
 * `XREAD BLOCK` over all streams someone follows, each from the lowest seq any of its
 * followers still needs, and fans the entries out in memory. A new follow interrupts
 * the blocked read (CLIENT UNBLOCK over the command connection) so the next read
 * includes its stream. A read only feeds the followers that were present when it was
 * issued, so a newcomer behind the others is caught up by the next read, never skipped.
 */
export class RedisStreamReader {
  private readonly streams = new Map<string, Set<Follower>>();
  private readonly blockMs: number;
  private readonly count: number;
  private loop: Promise<void> | undefined;
  private blockingId: number | undefined;
  private inRead = false;
  private interrupting: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly blocking: Redis,
    private readonly control: Redis,
    opts: RedisStreamReaderOptions = {},
  ) {
    this.blockMs = opts.blockMs ?? 5_000;
    this.count = opts.count ?? 200;
  }

  follow(key: string, afterSeq: number, listener: (entry: EventLogEntry) => void): EventLogFollow {
    const follower: Follower = { lastSeq: afterSeq, listener, closed: false };
    let set = this.streams.get(key);
    if (!set) {
      set = new Set();
      this.streams.set(key, set);
    }
    set.add(follower);
    this.wake();
    return {
      close: () => {
        if (follower.closed) return;
        follower.closed = true;
        const current = this.streams.get(key);
        current?.delete(follower);
        if (current?.size === 0) this.streams.delete(key);
      },
    };
  }

  /** Streams currently followed (for tests and metrics). */
  get followedStreams(): number {
    return this.streams.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.streams.clear();
    await this.interrupt();
    this.blocking.disconnect();
    await this.loop?.catch(() => undefined);
  }

  private wake(): void {
    if (this.closed) return;
    if (!this.loop) {
      this.loop = this.run().finally(() => {
        this.loop = undefined;
        if (!this.closed && this.streams.size > 0) this.wake();
      });
    } else if (this.inRead) {
      void this.interrupt();
    }
  }

  /**
   * Ends the blocked read so the next one includes new streams. The read may not have
   * reached Redis yet (UNBLOCK answers 0), so it is tried again briefly; concurrent
   * requests share one attempt, since the next read takes every stream followed by then.
   */
  private interrupt(): Promise<void> {
    this.interrupting ??= (async () => {
      for (let i = 0; i < UNBLOCK_TRIES && this.inRead && this.blockingId !== undefined; i++) {
        const unblocked = await this.control.call('CLIENT', 'UNBLOCK', String(this.blockingId)).catch(() => 0);
        if (Number(unblocked) === 1) return;
        await new Promise((resolve) => setTimeout(resolve, UNBLOCK_RETRY_MS));
      }
    })().finally(() => {
      this.interrupting = undefined;
    });
    return this.interrupting;
  }

  private async run(): Promise<void> {
    while (!this.closed && this.streams.size > 0) {
      const snapshot = [...this.streams].map(([key, set]) => ({ key, followers: [...set] }));
      const keys = snapshot.map((s) => s.key);
      const ids = snapshot.map((s) => `${Math.min(...s.followers.map((f) => f.lastSeq))}-0`);
      let reply: unknown;
      try {
        this.blockingId ??= Number(await this.blocking.call('CLIENT', 'ID'));
        this.inRead = true;
        reply = await this.blocking.call('XREAD', 'COUNT', String(this.count), 'BLOCK', String(this.blockMs), 'STREAMS', ...keys, ...ids);
      } catch {
        this.inRead = false;
        if (this.closed) return;
        this.blockingId = undefined;
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
        continue;
      }
      this.inRead = false;
      const byKey = new Map(snapshot.map((s) => [s.key, s.followers]));
      for (const [key, entries] of parseXread(reply)) {
        const followers = byKey.get(key) ?? [];
        for (const entry of entries) {
          for (const follower of followers) {
            if (follower.closed || entry.seq <= follower.lastSeq) continue;
            follower.lastSeq = entry.seq;
            try {
              follower.listener(entry);
            } catch {
              // One follower's failure must not stop the others.
            }
          }
        }
      }
    }
  }
}

/** `XREAD` reply: null, or `[[key, [[id, [field, value, ...]], ...]], ...]`. */
function parseXread(reply: unknown): [string, EventLogEntry[]][] {
  if (!Array.isArray(reply)) return [];
  const out: [string, EventLogEntry[]][] = [];
  for (const stream of reply as unknown[]) {
    if (!Array.isArray(stream) || typeof stream[0] !== 'string' || !Array.isArray(stream[1])) continue;
    const entries: EventLogEntry[] = [];
    for (const row of stream[1] as unknown[]) {
      if (!Array.isArray(row) || typeof row[0] !== 'string' || !Array.isArray(row[1])) continue;
      const fields = row[1] as unknown[];
      entries.push({ seq: Number(row[0].split('-')[0]), payload: typeof fields[1] === 'string' ? fields[1] : '' });
    }
    out.push([stream[0], entries]);
  }
  return out;
}
