import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The CLI keeps its own state (translation memory, caches) in a per-user folder. It is
 * never the server's DOCAT_DATA_DIR: a CLI run must not open a running server's database.
 */
export function cliDataDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return resolve(flag);
  if (env.DOCAT_CLI_DATA_DIR) return resolve(env.DOCAT_CLI_DATA_DIR);
  const base = env.XDG_DATA_HOME ? resolve(env.XDG_DATA_HOME) : join(homedir(), '.local', 'share');
  return join(base, 'docat');
}
