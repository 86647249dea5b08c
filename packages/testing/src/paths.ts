import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository root: the nearest folder above this file whose package.json declares
 * workspaces. Tests resolve everything from here so they behave the same from any cwd.
 */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { workspaces?: unknown };
      if (parsed.workspaces) return dir;
    }
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error('repository root not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/** The shared test corpus lives beside the repository, never inside it. */
export function corpusDir(): string {
  return resolve(repoRoot(), '..', 'shared', 'corpus');
}

export function isCi(): boolean {
  return process.env.CI === 'true' || process.env.CI === '1';
}
