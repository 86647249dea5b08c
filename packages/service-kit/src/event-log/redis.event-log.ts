import { Redis } from 'ioredis';
import type { EventLogPort } from './event-log.port.js';

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

export class RedisEventLog implements EventLogPort {
  private readonly redis: Redis;

  constructor(url: string, private readonly prefix: string) {
    this.redis = new Redis(url, { maxRetriesPerRequest: 2 });
    this.redis.on('error', () => undefined);
  }

  private key(log: string): string {
    return `${this.prefix}:{events:${log}}`;
  }

  async append(log: string, seq: number, payload: string, opts: { maxLen: number; ttlMs: number }): Promise<void> {
    await this.redis.eval(APPEND, 1, this.key(log), seq, payload, opts.maxLen, Math.max(1, Math.round(opts.ttlMs)));
  }

  async read(log: string, afterSeq: number, limit: number): Promise<{ seq: number; payload: string }[]> {
    const rows = (await this.redis.xrange(this.key(log), `(${afterSeq}-0`, '+', 'COUNT', limit)) as [string, string[]][];
    return rows.map(([id, fields]) => ({ seq: Number(id.split('-')[0]), payload: fields[1] ?? '' }));
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
