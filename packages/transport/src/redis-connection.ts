import { Redis, type Cluster } from 'ioredis';

export type RedisConnection = Redis | Cluster;

export interface RedisConnectionOptions {
  /** `redis://` URL of a standalone Redis; default `redis://127.0.0.1:6379`. */
  url?: string;
  /**
   * Builds each connection instead (e.g. an ioredis `Cluster`). Called once per role:
   * `command` for non-blocking commands and one `read:<family>` per blocking reader.
   */
  createConnection?: (role: string) => RedisConnection;
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export function openConnection(
  options: RedisConnectionOptions,
  role: string,
  blocking: boolean,
): RedisConnection {
  if (options.createConnection) return options.createConnection(role);
  return new Redis(options.url ?? DEFAULT_REDIS_URL, {
    connectionName: `docat-${role.replace(/[^A-Za-z0-9._:-]/g, '_')}`,
    // A blocking reader retries across reconnects; a command fails after a few.
    maxRetriesPerRequest: blocking ? null : 20,
  });
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
