import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

/** A standalone or Sentinel-managed Redis, or a Redis Cluster: every caller handles both. */
export type RedisConnection = Redis | Cluster;

export interface RedisHostPort {
  host: string;
  port: number;
}

/** TLS is on when present. PEM files, read each time a connection is created. */
export interface RedisTlsFiles {
  /** CA(s) trusted for the server certificates; the system store when unset. */
  caFile?: string;
  /** Client certificate and key, for servers with `tls-auth-clients yes`. */
  certFile?: string;
  keyFile?: string;
}

/**
 * Where Redis is and how to talk to it. Structurally the same as the configuration's
 * `redis.topology` (with the URL of a standalone Redis filled in), so a loaded config
 * passes straight through.
 */
export type RedisTopology =
  | {
      kind: 'standalone';
      /** `redis://` or `rediss://`; its credentials win over `username`/`password`. */
      url: string;
      username?: string;
      password?: string;
      tls?: RedisTlsFiles;
    }
  | {
      kind: 'sentinel';
      sentinels: readonly RedisHostPort[];
      /** The name the Sentinels monitor the master under. */
      masterName: string;
      sentinelPassword?: string;
      username?: string;
      password?: string;
      tls?: RedisTlsFiles;
    }
  | {
      kind: 'cluster';
      /** Some nodes of the cluster; the others are discovered from them. */
      nodes: readonly RedisHostPort[];
      username?: string;
      password?: string;
      tls?: RedisTlsFiles;
    };

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export interface CreateRedisConnectionOptions {
  /** `CLIENT SETNAME` of the connection(s), so `CLIENT LIST` tells them apart. */
  connectionName?: string;
  /**
   * How often a command is retried across reconnects before it fails: `null` means
   * never give up (what blocking readers and BullMQ need). Default 20.
   */
  maxRetriesPerRequest?: number | null;
  /** Do not connect until the first command. */
  lazyConnect?: boolean;
}

/** Node's TLS options from the configured files; `servername` is set per host by ioredis. */
export function redisTlsOptions(files: RedisTlsFiles): ConnectionOptions {
  const read = (what: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(`cannot read the Redis TLS ${what} file ${path}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  };
  return {
    ...(files.caFile ? { ca: read('CA', files.caFile) } : {}),
    ...(files.certFile ? { cert: read('certificate', files.certFile) } : {}),
    ...(files.keyFile ? { key: read('key', files.keyFile) } : {}),
  };
}

const safeName = (name: string): string => name.replace(/[^A-Za-z0-9._:-]/g, '_');

/**
 * After a Sentinel failover the old master turns replica and answers writes with
 * READONLY while the client still holds its connection: reconnect (through the
 * Sentinels, to the new master) and resend the command.
 */
function reconnectOnReadOnly(err: Error): 2 | false {
  return err.message.startsWith('READONLY') ? 2 : false;
}

/**
 * The one place a Redis client is made: the transport, BullMQ queues, cache, rate
 * limits and event log all call this, so a topology chosen in config (standalone URL,
 * Sentinel, Cluster, with or without TLS) applies everywhere. Each call returns a new
 * connection (a Cluster keeps one per node).
 */
export function createRedisConnection(
  topology: RedisTopology,
  opts: CreateRedisConnectionOptions = {},
): RedisConnection {
  const tls = topology.tls ? redisTlsOptions(topology.tls) : undefined;
  const common: RedisOptions = {
    maxRetriesPerRequest: opts.maxRetriesPerRequest === undefined ? 20 : opts.maxRetriesPerRequest,
    ...(opts.connectionName ? { connectionName: safeName(opts.connectionName) } : {}),
    ...(opts.lazyConnect ? { lazyConnect: true } : {}),
    ...(topology.username !== undefined ? { username: topology.username } : {}),
    ...(topology.password !== undefined ? { password: topology.password } : {}),
    ...(tls ? { tls } : {}),
  };
  switch (topology.kind) {
    case 'standalone':
      return new Redis(topology.url, common);
    case 'sentinel':
      return new Redis({
        ...common,
        sentinels: topology.sentinels.map(({ host, port }) => ({ host, port })),
        name: topology.masterName,
        ...(topology.sentinelPassword !== undefined
          ? { sentinelPassword: topology.sentinelPassword }
          : {}),
        ...(tls ? { enableTLSForSentinelMode: true, sentinelTLS: tls } : {}),
        // Sentinel disconnects the clients of every server it reconfigures, so ioredis
        // asks the Sentinels again on reconnect. (ioredis' failoverDetector is left off:
        // its Sentinel subscriptions outlive quit() and keep the process running.)
        reconnectOnError: reconnectOnReadOnly,
      });
    case 'cluster': {
      const clusterOptions: ClusterOptions = {
        redisOptions: common,
        // Cluster-level retries: queued commands wait for the slots to be known again.
        ...(opts.lazyConnect ? { lazyConnect: true } : {}),
        enableOfflineQueue: true,
        slotsRefreshTimeout: 2_000,
      };
      return new Cluster(
        topology.nodes.map(({ host, port }) => ({ host, port })),
        clusterOptions,
      );
    }
  }
}

export interface RedisConnectionOptions {
  /** `redis://` URL of a standalone Redis; default `redis://127.0.0.1:6379`. Ignored with `topology`. */
  url?: string;
  /** Sentinel, Cluster or TLS; wins over `url`. */
  topology?: RedisTopology;
  /**
   * Builds each connection instead. Called once per role: `command` for non-blocking
   * commands and one `read:<family>` per blocking reader.
   */
  createConnection?: (role: string) => RedisConnection;
}

export function openConnection(
  options: RedisConnectionOptions,
  role: string,
  blocking: boolean,
): RedisConnection {
  if (options.createConnection) return options.createConnection(role);
  const topology: RedisTopology = options.topology ?? {
    kind: 'standalone',
    url: options.url ?? DEFAULT_REDIS_URL,
  };
  return createRedisConnection(topology, {
    connectionName: `docat-${role}`,
    // A blocking reader retries across reconnects; a command fails after a few.
    maxRetriesPerRequest: blocking ? null : 20,
  });
}

/** True for an ioredis Cluster client. */
export function isCluster(conn: RedisConnection): conn is Cluster {
  return conn instanceof Cluster;
}

/**
 * Interrupts a blocked XREAD/XREADGROUP without dropping the connection: with CLIENT
 * UNBLOCK the command returns as if it had timed out, so entries Redis already assigned
 * to this consumer are never stranded in the pending list. Needs the blocked
 * connection's client id, which only a standalone connection can tell reliably; for a
 * cluster the reader notices the stop flag when its BLOCK times out.
 */
export class BlockingReader {
  readonly conn: RedisConnection;
  private clientId: number | undefined;

  constructor(conn: RedisConnection) {
    this.conn = conn;
    conn.on('close', () => {
      this.clientId = undefined;
    });
  }

  /** Sends a blocking read; resolves null without sending it once `stop` has aborted. */
  async call(stop: AbortSignal, args: (string | number)[]): Promise<unknown> {
    if (this.clientId === undefined && this.conn instanceof Redis) {
      const id: unknown = await this.conn.call('CLIENT', 'ID');
      if (typeof id === 'number') this.clientId = id;
    }
    if (stop.aborted) return null;
    const [command, ...rest] = args;
    return this.conn.call(String(command), ...rest);
  }

  async unblock(via: RedisConnection): Promise<void> {
    if (this.clientId === undefined) return;
    // A connection already gone has nothing blocked to release.
    await via.call('CLIENT', 'UNBLOCK', this.clientId).catch(() => undefined);
  }
}

export async function closeConnection(conn: RedisConnection): Promise<void> {
  try {
    await conn.quit();
  } catch {
    conn.disconnect();
  }
}
