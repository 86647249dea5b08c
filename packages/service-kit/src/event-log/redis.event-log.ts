import { Redis, type Cluster } from 'ioredis';
import type { EventLogEntry, EventLogFollow, EventLogPort } from './event-log.port.js';
import {
  RedisStreamReader,
  type RedisClient,
  type RedisStreamReaderOptions,
} from './redis-stream.reader.js';

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

/**
 * Logs are spread over this many hash-tagged shards. On a Redis Cluster the shared
 * reader needs one connection per shard in use, so this bounds a process's blocking
 * connections; it is part of the key names, so every process must agree on it.
 */
export const EVENT_LOG_SHARDS = 16;

export interface RedisEventLogOptions extends RedisStreamReaderOptions {
  /** `CLIENT SETNAME` of the connections this log opens, so they can be told apart in `CLIENT LIST`. */
  connectionName?: string;
}

/** FNV-1a: a stable, well-spread shard for a log name. */
export function eventLogShard(log: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < log.length; i++) {
    hash ^= log.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % EVENT_LOG_SHARDS;
}

function isCluster(client: RedisClient): boolean {
  return (client as { isCluster?: boolean }).isCluster === true;
}

/**
 * Event logs in Redis Streams, on a single Redis or a Redis Cluster. The key of a log
 * is `<prefix>:{events:<shard>}:<log>`: the hash tag puts every log of a shard in one
 * slot, which is what lets one blocking XREAD cover many logs on a cluster.
 *
 * Connections: the command connection (or cluster client), plus, once something is
 * followed, one blocking reader on a single Redis, or one per shard in use (at most
 * EVENT_LOG_SHARDS) on a cluster.
 */
export class RedisEventLog implements EventLogPort {
  private readonly redis: RedisClient;
  private readonly ownsConnection: boolean;
  private readonly readerId = `${process.pid.toString(36)}${Math.random().toString(36).slice(2, 10)}`;
  private reader: RedisStreamReader | undefined;

  /** `connection`: a `redis://` URL (the log opens and closes its connection), or a client the caller owns. */
  constructor(
    connection: string | RedisClient,
    private readonly prefix: string,
    private readonly opts: RedisEventLogOptions = {},
  ) {
    if (typeof connection === 'string') {
      this.redis = new Redis(connection, {
        maxRetriesPerRequest: 2,
        ...(opts.connectionName ? { connectionName: opts.connectionName } : {}),
      });
      this.redis.on('error', () => undefined);
      this.ownsConnection = true;
    } else {
      this.redis = connection;
      this.ownsConnection = false;
    }
  }

  private key(log: string): string {
    return `${this.prefix}:{events:${eventLogShard(log)}}:${log}`;
  }

  async append(
    log: string,
    seq: number,
    payload: string,
    opts: { maxLen: number; ttlMs: number },
  ): Promise<void> {
    await this.redis.eval(
      APPEND,
      1,
      this.key(log),
      seq,
      payload,
      opts.maxLen,
      Math.max(1, Math.round(opts.ttlMs)),
    );
  }

  async read(log: string, afterSeq: number, limit: number): Promise<EventLogEntry[]> {
    const rows = (await this.redis.xrange(
      this.key(log),
      `(${afterSeq}-0`,
      '+',
      'COUNT',
      limit,
    )) as [string, string[]][];
    return rows.map(([id, fields]) => ({
      seq: Number(id.split('-')[0]),
      payload: fields[1] ?? '',
    }));
  }

  follow(log: string, afterSeq: number, listener: (entry: EventLogEntry) => void): EventLogFollow {
    this.reader ??= this.createReader();
    return this.reader.follow(this.key(log), afterSeq, listener);
  }

  /** Blocking read connections open now (for tests and metrics). */
  get openReaders(): number {
    return this.reader?.openReaders ?? 0;
  }

  async close(): Promise<void> {
    await this.reader?.close();
    if (this.ownsConnection) await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private createReader(): RedisStreamReader {
    const cluster = isCluster(this.redis);
    const shardTag = (key: string): string => /\{events:(\d+)\}/.exec(key)?.[1] ?? '0';
    return new RedisStreamReader(
      this.redis,
      {
        groupOf: (key) => (cluster ? shardTag(key) : 'all'),
        wakeKey: (group) =>
          `${this.prefix}:{events:${cluster ? group : 'wake'}}:~wake:${this.readerId}`,
        openBlocking: () => this.duplicateForBlocking(),
      },
      this.opts,
    );
  }

  /** A blocking read must not queue commands behind it, nor give up across reconnects. */
  private duplicateForBlocking(): RedisClient {
    const name = this.opts.connectionName;
    if (isCluster(this.redis)) {
      const cluster = this.redis as Cluster;
      // No ready check: it would keep a connection to a node the reader may never read from.
      return cluster.duplicate([], {
        enableReadyCheck: false,
        redisOptions: {
          ...cluster.options.redisOptions,
          maxRetriesPerRequest: null,
          ...(name ? { connectionName: name } : {}),
        },
      });
    }
    return (this.redis as Redis).duplicate({
      maxRetriesPerRequest: null,
      ...(name ? { connectionName: name } : {}),
    });
  }
}
