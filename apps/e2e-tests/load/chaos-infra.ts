import { spawnSync } from 'node:child_process';
import { chownSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { postgresBinDir, redisCli, ServerProcess, unusedPort, waitUntil } from '@docat/testing';

/**
 * A Redis of the run's own on a free port, restartable on the same port and data folder.
 * Persistence as the deployment docs require: append-only file, fsync every second.
 */
export class ChaosRedis {
  private server?: ServerProcess;
  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  static async start(): Promise<ChaosRedis> {
    const dir = await mkdtemp(join(tmpdir(), 'docat-chaos-redis-'));
    const redis = new ChaosRedis(await unusedPort(), dir);
    await redis.up();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.server?.child.pid;
  }

  private async up(): Promise<void> {
    const args = ['--bind', '127.0.0.1', '--port', String(this.port), '--dir', this.dir, '--protected-mode', 'no', '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction'];
    const server = new ServerProcess(`chaos-redis-${this.port}`, 'redis-server', args);
    await waitUntil(() => {
      if (server.exited) throw new Error('exited');
      return redisCli(this.port, 'PING') === 'PONG';
    }, 20_000, `redis on ${this.port}`).catch((err: Error) => {
      throw new Error(`${err.message}\n${server.log}`);
    });
    this.server = server;
  }

  /**
   * Stops the server and starts it again on the same port. `keepData` false is a Redis run
   * without persistence: everything it held is gone when it comes back.
   */
  async restart(opts: { signal: NodeJS.Signals; keepData: boolean; downMs?: number }): Promise<void> {
    await this.server?.stop(opts.signal, 10_000);
    if (!opts.keepData) for (const name of readdirSync(this.dir)) rmSync(join(this.dir, name), { recursive: true, force: true });
    if (opts.downMs) await new Promise((r) => setTimeout(r, opts.downMs));
    await this.up();
  }

  async stop(): Promise<void> {
    await this.server?.stop('SIGTERM', 10_000);
    await rm(this.dir, { recursive: true, force: true });
  }
}

const PG_USER = 'postgres';

/** initdb and postgres refuse root: as root they run as the `postgres` OS user. */
function asServerUser(command: string, args: string[]): [string, string[]] {
  if (userInfo().uid !== 0) return [command, args];
  return ['setpriv', ['--reuid', PG_USER, '--regid', PG_USER, '--init-groups', '--', command, ...args]];
}

/** A PostgreSQL of the run's own, restartable on the same port and data folder. */
export class ChaosPostgres {
  private server?: ServerProcess;
  private constructor(
    readonly port: number,
    readonly root: string,
    private readonly bin: string,
  ) {}

  static async start(): Promise<ChaosPostgres> {
    const bin = postgresBinDir();
    if (!bin) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql');
    const root = await mkdtemp(join(tmpdir(), 'docat-chaos-pg-'));
    if (userInfo().uid === 0) {
      const id = (flag: string) => Number(spawnSync('id', [flag, PG_USER], { encoding: 'utf8' }).stdout.trim());
      chownSync(root, id('-u'), id('-g'));
    }
    const [cmd, args] = asServerUser(join(bin, 'initdb'), ['-D', join(root, 'data'), '-U', PG_USER, '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
    const init = spawnSync(cmd, args, { encoding: 'utf8' });
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
    writeFileSync(join(root, 'data', 'pg_hba.conf'), 'local all all trust\nhost all all 127.0.0.0/8 trust\n');
    const pg = new ChaosPostgres(await unusedPort(), root, bin);
    await pg.up();
    return pg;
  }

  url(database = 'postgres'): string {
    return `postgres://${PG_USER}@127.0.0.1:${this.port}/${database}`;
  }

  get pid(): number | undefined {
    return this.server?.child.pid;
  }

  private async up(): Promise<void> {
    const [cmd, args] = asServerUser(join(this.bin, 'postgres'), ['-D', join(this.root, 'data'), '-p', String(this.port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${this.root}`, '-c', 'max_connections=200', '-c', 'fsync=off']);
    const server = new ServerProcess(`chaos-postgres-${this.port}`, cmd, args);
    await waitUntil(
      () => {
        if (server.exited) throw new Error('exited');
        return spawnSync(join(this.bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(this.port)]).status === 0;
      },
      30_000,
      `postgres on ${this.port}`,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${server.log}`);
    });
    this.server = server;
  }

  /** Fast shutdown (every connection cut), a pause, and a start on the same data. */
  async restart(downMs = 0): Promise<void> {
    await this.server?.stop('SIGINT', 15_000);
    if (downMs) await new Promise((r) => setTimeout(r, downMs));
    await this.up();
  }

  async stop(): Promise<void> {
    await this.server?.stop('SIGINT', 15_000);
    await rm(this.root, { recursive: true, force: true });
  }
}

/** Child processes of this process whose command line contains `needle` (the S3 server the cluster fixture forked). */
export function childPidsMatching(needle: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(needle)) out.push(Number(name));
    } catch {
      // The process ended while it was read.
    }
  }
  return out;
}
