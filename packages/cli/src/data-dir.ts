import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The CLI keeps its own state (translation memory, caches) in a per-user folder. It is
 * never the server's DOCAT_DATA_DIR: a CLI run must not open a running server's database.
 */
function uid(): number | undefined {
  return typeof process.getuid === 'function' ? process.getuid() : undefined;
}

export function cliDataDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return resolve(flag);
  if (env.DOCAT_CLI_DATA_DIR) return resolve(env.DOCAT_CLI_DATA_DIR);
  // Run as root, the embedded PostgreSQL runs as its own unprivileged user, which cannot
  // reach a folder under root's home: system state goes where system state lives.
  if (!env.XDG_DATA_HOME && uid() === 0) return '/var/lib/docat';
  const base = env.XDG_DATA_HOME ? resolve(env.XDG_DATA_HOME) : join(homedir(), '.local', 'share');
  return join(base, 'docat');
}
