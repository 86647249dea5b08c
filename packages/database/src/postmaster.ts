import { readFile, realpath } from 'node:fs/promises';
import { join } from 'node:path';

export interface PostmasterPid {
  pid: number;
  dataDir: string;
  port: number;
}

/** Parses `postmaster.pid`: line 1 the PID, line 2 the data directory, line 4 the port. */
export function parsePostmasterPid(text: string): PostmasterPid | null {
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  const dataDir = lines[1]?.trim() ?? '';
  if (!Number.isInteger(pid) || pid <= 0 || !dataDir) return null;
  return { pid, dataDir, port: Number.isInteger(port) ? port : 0 };
}

export async function readPostmasterPid(pgData: string): Promise<PostmasterPid | null> {
  try {
    return parsePostmasterPid(await readFile(join(pgData, 'postmaster.pid'), 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone we may not signal.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether `pid` is a postgres server of `pgData`: its command line names a postgres
 * binary and the pid file it wrote names this directory. Guards against signalling an
 * unrelated process that reused a stale PID.
 */
export async function isPostmasterOf(
  pid: number,
  pgData: string,
  recorded: PostmasterPid,
): Promise<boolean> {
  if (!isAlive(pid)) return false;
  let cmdline: string;
  try {
    cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ');
  } catch {
    // No /proc (macOS): trust the pid file's data directory alone.
    cmdline = 'postgres';
  }
  if (!/postgres/.test(cmdline)) return false;
  const [mine, theirs] = await Promise.all([
    realpath(pgData),
    realpath(recorded.dataDir).catch(() => recorded.dataDir),
  ]);
  return mine === theirs;
}

export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}
