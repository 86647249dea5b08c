import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { corpusDir, isCi } from './paths.js';

/**
 * Outcome of a requirement check. `skip` is a reason string to hand to node:test's
 * `skip` option; it is only ever set outside CI, where a missing corpus or tool is a
 * user's clone without ../shared, not a lie about coverage.
 */
export interface Requirement {
  ok: boolean;
  skip: string | false;
}

function missing(what: string): Requirement {
  const message = `${what} is missing`;
  if (isCi()) {
    // Under CI a missing prerequisite must fail the run loudly instead of skipping.
    throw new Error(`${message} (CI=true: failing instead of skipping)`);
  }
  return { ok: false, skip: message };
}

/** Absolute path of a corpus file; throws under CI when absent. */
export function corpusFile(name: string): string {
  return join(corpusDir(), name);
}

export function requireCorpus(...names: string[]): Requirement {
  for (const name of names) {
    if (!existsSync(corpusFile(name))) return missing(`corpus file ../shared/corpus/${name}`);
  }
  return { ok: true, skip: false };
}

const toolCache = new Map<string, boolean>();

export function hasTool(tool: string): boolean {
  let found = toolCache.get(tool);
  if (found === undefined) {
    const probe = spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    found = probe.status === 0;
    toolCache.set(tool, found);
  }
  return found;
}

export function requireTools(...tools: string[]): Requirement {
  for (const tool of tools) {
    if (!hasTool(tool)) return missing(`command-line tool '${tool}'`);
  }
  return { ok: true, skip: false };
}

/** Combine requirements: the first unmet one decides. */
export function requireAll(...reqs: Requirement[]): Requirement {
  return reqs.find((r) => !r.ok) ?? { ok: true, skip: false };
}
