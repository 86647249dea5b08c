import type { EventLogEntry, EventLogFollow } from './event-log.port.js';

interface Follower {
  lastSeq: number;
  listener: (entry: EventLogEntry) => void;
  /** Live entries that arrived while the stored ones were being read. */
  buffer: EventLogEntry[] | undefined;
  closed: boolean;
}

/** Page size of the catch-up read of a new follower. */
const CATCH_UP_PAGE = 500;

/**
 * Follows for logs whose appends happen in this process (memory, embedded database): a
 * new follower first reads what is stored, buffering live appends meanwhile, then
 * receives appends as they happen. Entries at or below a follower's last seq are
 * dropped, so the hand-over neither loses nor repeats one.
 */
export class LocalFollowers {
  private readonly byLog = new Map<string, Set<Follower>>();

  constructor(
    private readonly readStored: (
      log: string,
      afterSeq: number,
      limit: number,
    ) => Promise<EventLogEntry[]>,
  ) {}

  follow(log: string, afterSeq: number, listener: (entry: EventLogEntry) => void): EventLogFollow {
    const follower: Follower = { lastSeq: afterSeq, listener, buffer: [], closed: false };
    let set = this.byLog.get(log);
    if (!set) {
      set = new Set();
      this.byLog.set(log, set);
    }
    set.add(follower);
    void this.catchUp(log, follower);
    return {
      close: () => {
        follower.closed = true;
        const current = this.byLog.get(log);
        current?.delete(follower);
        if (current?.size === 0) this.byLog.delete(log);
      },
    };
  }

  /** Called after an entry was stored. */
  appended(log: string, entry: EventLogEntry): void {
    for (const follower of this.byLog.get(log) ?? []) {
      if (follower.buffer) follower.buffer.push(entry);
      else deliver(follower, entry);
    }
  }

  clear(): void {
    this.byLog.clear();
  }

  private async catchUp(log: string, follower: Follower): Promise<void> {
    try {
      for (;;) {
        const page = await this.readStored(log, follower.lastSeq, CATCH_UP_PAGE);
        for (const entry of page) deliver(follower, entry);
        if (page.length < CATCH_UP_PAGE || follower.closed) break;
      }
    } catch {
      // A failed catch-up leaves the follower live: the buffered and later entries still arrive.
    }
    const buffered = follower.buffer ?? [];
    follower.buffer = undefined;
    for (const entry of buffered) deliver(follower, entry);
  }
}

function deliver(follower: Follower, entry: EventLogEntry): void {
  if (follower.closed || entry.seq <= follower.lastSeq) return;
  follower.lastSeq = entry.seq;
  follower.listener(entry);
}
