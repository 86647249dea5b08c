#!/usr/bin/env node
// Lints the repository with the type-aware rules, one workspace at a time: one ESLint run
// over every TypeScript project at once needs more than 4 GB of heap, one per workspace
// stays under 1 GB. Extra arguments (such as --fix) are passed to each run.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const extra = process.argv.slice(2);
const workspaces = ['packages', 'apps'].flatMap((dir) =>
  readdirSync(join(root, dir))
    .map((name) => join(dir, name))
    .filter((path) => statSync(join(root, path)).isDirectory()),
);
// The root's own files (scripts, configs) and each workspace, each its own ESLint process.
const runs = [['scripts', 'eslint.config.js'], ...workspaces.map((w) => [w])];
let failed = 0;
for (const targets of runs) {
  const started = Date.now();
  const result = spawnSync('npx', ['eslint', '--no-warn-ignored', ...extra, ...targets], { cwd: root, stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    failed += 1;
    console.log(`lint: ${targets.join(' ')} failed (${seconds} s)`);
  } else console.log(`lint: ${targets.join(' ')} clean (${seconds} s)`);
}
console.log(failed === 0 ? 'lint: all clean' : `lint: ${failed} of ${runs.length} runs failed`);
process.exit(failed === 0 ? 0 : 1);
