import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { queryRows } from '@docat/database';
import type { EventLogEntry, EventLogFollow, EventLogPort } from './event-log.port.js';
import { LocalFollowers } from './local-followers.js';

/** Appends between two sweeps of expired logs. */
const SWEEP_EVERY = 500;
/** Appends between two trims of one log to its cap (trimming is a range delete). */
const TRIM_EVERY = 50;

/** PostgreSQL's bigint arrives as a string. */
const headRowSchema = z.object({ last_seq: z.string(), expired: z.boolean() });
const entryRowSchema = z.object({ seq: z.string(), payload: z.string() });

/**
 * Event logs in the `notification` schema of the process's own PostgreSQL (standalone
 * mode), so a restart loses no event. As with the Redis log, an append whose seq is not
 * above the log's last is dropped. Only this process writes, so follows are fed by the
 * appends themselves, after they committed.
 */
export class PostgresEventLog implements EventLogPort {
  private readonly followers = new LocalFollowers((log, afterSeq, limit) =>
    this.read(log, afterSeq, limit),
  );
  private appends = 0;

  /** `dataSource` opens (and migrates) the `notification` schema on first use. */
  constructor(private readonly dataSource: () => Promise<DataSource>) {}

  async append(
    log: string,
    seq: number,
    payload: string,
    opts: { maxLen: number; ttlMs: number },
  ): Promise<void> {
    const ds = await this.dataSource();
    const ttlMs = Math.max(1, Math.round(opts.ttlMs));
    const stored = await ds.transaction(async (manager) => {
      const heads = await queryRows(
        manager,
        'notification.event_logs',
        headRowSchema,
        `SELECT "last_seq", "expires_at" <= now() AS "expired" FROM "notification"."event_logs" WHERE "log" = $1 FOR UPDATE`,
        [log],
      );
      const head = heads[0];
      if (head?.expired)
        await manager.query(`DELETE FROM "notification"."event_log_entries" WHERE "log" = $1`, [
          log,
        ]);
      const lastSeq = !head || head.expired ? 0 : Number(head.last_seq);
      const accepted = seq > lastSeq;
      await manager.query(
        `INSERT INTO "notification"."event_logs" ("log", "last_seq", "expires_at") VALUES ($1, $2, now() + $3 * interval '1 millisecond')
         ON CONFLICT ("log") DO UPDATE SET "last_seq" = EXCLUDED."last_seq", "expires_at" = EXCLUDED."expires_at"`,
        [log, Math.max(seq, lastSeq), ttlMs],
      );
      if (accepted) {
        await manager.query(
          `INSERT INTO "notification"."event_log_entries" ("log", "seq", "payload") VALUES ($1, $2, $3)`,
          [log, seq, payload],
        );
        if (seq % TRIM_EVERY === 0) {
          await manager.query(
            `DELETE FROM "notification"."event_log_entries" WHERE "log" = $1 AND "seq" <= (
               SELECT "seq" FROM "notification"."event_log_entries" WHERE "log" = $1 ORDER BY "seq" DESC OFFSET $2 LIMIT 1)`,
            [log, opts.maxLen],
          );
        }
      }
      return accepted;
    });
    if (++this.appends % SWEEP_EVERY === 0) {
      // The sweep is housekeeping; the next one retries it, and expired rows are never read.
      await ds
        .query(`DELETE FROM "notification"."event_logs" WHERE "expires_at" <= now()`)
        .catch(() => undefined);
    }
    if (stored) this.followers.appended(log, { seq, payload });
  }

  async read(log: string, afterSeq: number, limit: number): Promise<EventLogEntry[]> {
    const ds = await this.dataSource();
    const rows = await queryRows(
      ds,
      'notification.event_log_entries',
      entryRowSchema,
      `SELECT e."seq", e."payload" FROM "notification"."event_log_entries" e
         JOIN "notification"."event_logs" l ON l."log" = e."log" AND l."expires_at" > now()
        WHERE e."log" = $1 AND e."seq" > $2 ORDER BY e."seq" LIMIT $3`,
      [log, afterSeq, limit],
    );
    return rows.map((row) => ({ seq: Number(row.seq), payload: row.payload }));
  }

  follow(log: string, afterSeq: number, listener: (entry: EventLogEntry) => void): EventLogFollow {
    return this.followers.follow(log, afterSeq, listener);
  }

  /** The data source belongs to the runtime, which closes it. */
  async close(): Promise<void> {
    this.followers.clear();
  }
}
