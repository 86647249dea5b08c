import type { Cluster, Redis } from 'ioredis';
import type { EventLogEntry, EventLogFollow } from './event-log.port.js';

/** A plain Redis connection or a Redis Cluster client: the reader works over either. */
export type RedisClient = Redis | Cluster;

interface Follower {
  lastSeq: number;
  listener: (entry: EventLogEntry) => void;
  closed: boolean;
}

export interface RedisStreamReaderOptions {
  /** How long one XREAD blocks; a new follow interrupts it through the group's wake stream. */
  blockMs?: number;
  /** Entries per stream per read. */
  count?: number;
}

/** Where a reader's streams live: one read group per hash slot in a cluster, one group otherwise. */
export interface ReadGroups {
  /** The group a stream key belongs to. Every key of a group must hash to one slot on a cluster. */
  groupOf(key: string): string;
  /** This reader's wake stream for a group: a key in the same slot as the group's streams. */
  wakeKey(group: string): string;
  /** A new connection for the group's blocking reads (it must not share a socket with commands). */
  openBlocking(group: string): RedisClient;
}

const RETRY_MS = 500;
/** A wake stream outlives its reader by this long (it is refreshed by every wake). */
const WAKE_TTL_MS = 3_600_000;
const WAKE = `
redis.call('XADD', KEYS[1], 'MAXLEN', '1', '*', 'w', '1')
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`;

/**
 * Shared readers of followed streams: a process runs one `XREAD BLOCK` loop per read
 * group over all streams someone follows in that group, each from the lowest seq any of
 * its followers still needs, and fans the entries out in memory.
 *
 * On a single Redis every stream is in one group, so a process holds one blocking
 * connection however many streams it follows. On a Redis Cluster a multi-key XREAD must
 * stay inside one hash slot, so stream keys carry a shard hash tag and each shard in use
 * gets its own loop and connection: the number of connections is bounded by the shard
 * count, not by the followers.
 *
 * A new follow interrupts its group's blocked read by appending to the group's wake
 * stream, which every read of the group includes; this works on a cluster node as well
 * as on a single Redis (no `CLIENT UNBLOCK`, whose client ids are per node). A read only
 * feeds the followers present when it was issued, so a newcomer behind the others is
 * caught up by the next read, never skipped.
 */
export class RedisStreamReader {
  private readonly groups = new Map<string, ReadGroup>();
  private closed = false;

  constructor(
    private readonly command: RedisClient,
    private readonly layout: ReadGroups,
    private readonly opts: RedisStreamReaderOptions = {},
  ) {}

  follow(key: string, afterSeq: number, listener: (entry: EventLogEntry) => void): EventLogFollow {
    if (this.closed) return { close: () => undefined };
    const name = this.layout.groupOf(key);
    let group = this.groups.get(name);
    if (!group) {
      group = new ReadGroup(
        this.command,
        this.layout.wakeKey(name),
        () => this.layout.openBlocking(name),
        this.opts,
      );
      this.groups.set(name, group);
    }
    return group.follow(key, afterSeq, listener);
  }

  /** Streams currently followed (for tests and metrics). */
  get followedStreams(): number {
    let n = 0;
    for (const group of this.groups.values()) n += group.size;
    return n;
  }

  /** Read groups that have a blocking connection open (for tests and metrics). */
  get openReaders(): number {
    let n = 0;
    for (const group of this.groups.values()) if (group.connected) n++;
    return n;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.groups.values()].map((group) => group.close()));
    this.groups.clear();
  }
}

class ReadGroup {
  private readonly streams = new Map<string, Set<Follower>>();
  private readonly blockMs: number;
  private readonly count: number;
  private blocking: RedisClient | undefined;
  private loop: Promise<void> | undefined;
  private lastWakeId = '0-0';
  /** A wake was sent since the current read's streams were taken. */
  private wakeSent = false;
  private closed = false;

  constructor(
    private readonly command: RedisClient,
    private readonly wakeKey: string,
    private readonly open: () => RedisClient,
    opts: RedisStreamReaderOptions,
  ) {
    this.blockMs = opts.blockMs ?? 5_000;
    this.count = opts.count ?? 200;
  }

  get size(): number {
    return this.streams.size;
  }

  get connected(): boolean {
    return this.blocking !== undefined;
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

  async close(): Promise<void> {
    this.closed = true;
    this.streams.clear();
    // Disconnecting rejects the blocked read, which ends the loop.
    this.blocking?.disconnect();
    // The loop ends by the rejected read above: that rejection is the expected way out.
    await this.loop?.catch(() => undefined);
    this.blocking = undefined;
  }

  private wake(): void {
    if (this.closed) return;
    if (!this.loop) {
      this.loop = this.run().finally(() => {
        this.loop = undefined;
        if (!this.closed && this.streams.size > 0) this.wake();
      });
      return;
    }
    if (this.wakeSent) return;
    this.wakeSent = true;
    // Even if the read has not reached Redis yet, it starts after this wake's id and returns at once.
    this.command.eval(WAKE, 1, this.wakeKey, WAKE_TTL_MS).catch(() => {
      this.wakeSent = false;
    });
  }

  private async run(): Promise<void> {
    while (!this.closed && this.streams.size > 0) {
      const snapshot = [...this.streams].map(([key, set]) => ({ key, followers: [...set] }));
      const keys = snapshot.map((s) => s.key);
      const ids = snapshot.map((s) => `${Math.min(...s.followers.map((f) => f.lastSeq))}-0`);
      this.wakeSent = false;
      let reply: unknown;
      try {
        if (!this.blocking) {
          this.blocking = this.open();
          this.blocking.on('error', () => undefined);
        }
        reply = await this.blocking.call(
          'XREAD',
          'COUNT',
          String(this.count),
          'BLOCK',
          String(this.blockMs),
          'STREAMS',
          ...keys,
          this.wakeKey,
          ...ids,
          this.lastWakeId,
        );
      } catch {
        if (this.closed) return;
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
        continue;
      }
      const byKey = new Map(snapshot.map((s) => [s.key, s.followers]));
      for (const [key, rows] of parseXread(reply)) {
        if (key === this.wakeKey) {
          const last = rows.at(-1);
          if (last) this.lastWakeId = last.id;
          continue;
        }
        const followers = byKey.get(key) ?? [];
        for (const row of rows) {
          const entry: EventLogEntry = { seq: row.seq, payload: row.payload };
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

interface Row {
  id: string;
  seq: number;
  payload: string;
}

/** `XREAD` reply: null, or `[[key, [[id, [field, value, ...]], ...]], ...]`. */
function parseXread(reply: unknown): [string, Row[]][] {
  if (!Array.isArray(reply)) return [];
  const out: [string, Row[]][] = [];
  for (const stream of reply as unknown[]) {
    if (!Array.isArray(stream) || typeof stream[0] !== 'string' || !Array.isArray(stream[1]))
      continue;
    const rows: Row[] = [];
    for (const row of stream[1] as unknown[]) {
      if (!Array.isArray(row) || typeof row[0] !== 'string' || !Array.isArray(row[1])) continue;
      const fields = row[1] as unknown[];
      rows.push({
        id: row[0],
        seq: Number(row[0].split('-')[0]),
        payload: typeof fields[1] === 'string' ? fields[1] : '',
      });
    }
    out.push([stream[0], rows]);
  }
  return out;
}
