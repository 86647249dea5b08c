import { Redis } from 'ioredis';
import type { EventLogEntry, EventLogFollow, EventLogPort } from './event-log.port.js';
import { RedisStreamReader, type RedisStreamReaderOptions } from './redis-stream.reader.js';

/**
 * One Redis stream per log with entry id `<seq>-0`: XADD with an explicit id refuses a
 * seq not above the last, so a redelivered event is never stored twice, and XRANGE
 * from `(<afterSeq>-0` resumes exactly after a seen entry.
 */
const APPEND = `
local ok = redis.pcall('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], ARGV[1] .. '-0', 'e', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
if type(ok) == 'table' and ok.err then return 0 end
return 1
`;

export interface RedisEventLogOptions extends RedisStreamReaderOptions {
  /** `CLIENT SETNAME` of both connections, so they can be told apart in `CLIENT LIST`. */
  connectionName?: string;
}

/**
 * At most two connections per process: commands, and (once something is followed) the
 * shared blocking reader.
 */
export class RedisEventLog implements EventLogPort {
  private readonly redis: Redis;
  private reader: RedisStreamReader | undefined;

  constructor(
    url: string,
    private readonly prefix: string,
    private readonly opts: RedisEventLogOptions = {},
  ) {
    this.redis = new Redis(url, { maxRetriesPerRequest: 2, ...(opts.connectionName ? { connectionName: opts.connectionName } : {}) });
    this.redis.on('error', () => undefined);
  }

  private key(log: string): string {
    return `${this.prefix}:{events:${log}}`;
  }

  async append(log: string, seq: number, payload: string, opts: { maxLen: number; ttlMs: number }): Promise<void> {
    await this.redis.eval(APPEND, 1, this.key(log), seq, payload, opts.maxLen, Math.max(1, Math.round(opts.ttlMs)));
  }

  async read(log: string, afterSeq: number, limit: number): Promise<EventLogEntry[]> {
    const rows = (await this.redis.xrange(this.key(log), `(${afterSeq}-0`, '+', 'COUNT', limit)) as [string, string[]][];
    return rows.map(([id, fields]) => ({ seq: Number(id.split('-')[0]), payload: fields[1] ?? '' }));
  }

  follow(log: string, afterSeq: number, listener: (entry: EventLogEntry) => void): EventLogFollow {
    if (!this.reader) {
      // The blocking connection must not queue commands behind a long XREAD.
      const blocking = this.redis.duplicate({ maxRetriesPerRequest: null });
      blocking.on('error', () => undefined);
      this.reader = new RedisStreamReader(blocking, this.redis, this.opts);
    }
    return this.reader.follow(this.key(log), afterSeq, listener);
  }

  async close(): Promise<void> {
    await this.reader?.close();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
