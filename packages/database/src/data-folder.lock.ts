import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

export const LOCK_FILE = 'docat.lock';

/** Another live process holds the data folder; opening it twice would corrupt it. */
export class DataFolderLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `the data folder ${dataDir} is in use by another Docat process (pid ${pid}); stop it first, or set DOCAT_DATA_DIR to another folder`,
    );
    this.name = 'DataFolderLockedError';
  }
}

export interface DataFolderLock {
  readonly path: string;
  /** The PID of a dead process whose lock was taken over, if any. */
  readonly takenOverFrom: number | null;
  release(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readHolder(path: string): Promise<number | null> {
  try {
    const pid = Number.parseInt((await readFile(path, 'utf8')).trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Takes `<dataDir>/docat.lock`, holding this process's PID. The file is created
 * exclusively, so two processes starting together cannot both win; a lock left by a
 * dead process (kill -9, power loss) is removed and taken over. The same PID in the
 * file counts as stale too: after a reboot a new process may get the dead one's PID.
 */
export async function acquireDataFolderLock(dataDir: string): Promise<DataFolderLock> {
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  let takenOverFrom: number | null = null;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o644);
      try {
        await handle.writeFile(`${process.pid}\n`, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      let released = false;
      return {
        path,
        takenOverFrom,
        async release() {
          if (released) return;
          released = true;
          if ((await readHolder(path)) === process.pid) await rm(path, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder = await readHolder(path);
    if (holder === null) {
      // Possibly a starter between creating the file and writing its PID: look again.
      await new Promise((resolve) => setTimeout(resolve, 250));
      holder = await readHolder(path);
    }
    if (holder !== null && holder !== process.pid && isAlive(holder))
      throw new DataFolderLockedError(dataDir, holder);
    // Stale (dead PID, or a file torn by a crash while being written): take it over.
    if (holder !== null) takenOverFrom = holder;
    await rm(path, { force: true });
  }
  throw new Error(`could not take the lock ${path}: it keeps changing hands`);
}
