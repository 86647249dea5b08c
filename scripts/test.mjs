#!/usr/bin/env node
// Runs the test tiers (unit, integration, e2e) with Node's test runner over the compiled
// packages and apps, then prints one summary line summing every tier.
//   npm test                 -> build, then all tiers
//   npm test -- unit e2e     -> build, then the named tiers (e2e-standalone: the e2e files against `npm start`)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const TIERS = {
  unit: {
    match: (f) => f.endsWith('.test.js') && !/\.(int|e2e)\.test\.js$/.test(f),
    concurrency: 2,
  },
  // Two files at a time: most of an integration file's time is spent waiting on the servers
  // and processes it talks to, and every file has its own database, Redis prefix and ports.
  integration: { match: (f) => f.endsWith('.int.test.js'), concurrency: 2 },
  // One cluster (six services as processes) is started for the whole tier and shared by every file.
  e2e: {
    match: (f) => f.endsWith('.e2e.test.js'),
    concurrency: 1,
    setup: 'packages/testing/dist/cluster/global-setup.js',
  },
  // The same files against one standalone process (`npm start`); cluster-only tests skip.
  'e2e-standalone': {
    match: (f) => f.endsWith('.e2e.test.js'),
    concurrency: 1,
    setup: 'packages/testing/dist/cluster/standalone-global-setup.js',
  },
};

const requested = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const t of requested) {
  if (!(t in TIERS)) {
    console.error(`unknown tier '${t}' (known: ${Object.keys(TIERS).join(', ')})`);
    process.exit(2);
  }
}
const tiers = requested.length > 0 ? requested : Object.keys(TIERS);
const env = {
  ...process.env,
  TURBO_TELEMETRY_DISABLED: '1',
  NODE_ENV: process.env.NODE_ENV ?? 'test',
};

function walk(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (name === 'node_modules') continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full, out);
    else out.push(full);
  }
  return out;
}

function testFiles() {
  const files = [];
  for (const group of ['packages', 'apps']) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const pkg of readdirSync(base)) walk(join(base, pkg, 'dist'), files);
  }
  return files.sort();
}

const started = Date.now();
console.log('Building all packages and apps...');
const build = spawnSync('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], {
  cwd: root,
  env,
  stdio: 'inherit',
});
if (build.status !== 0) {
  console.log('\nBuild failed: no tests were run.');
  console.log('Total: 0 passed, 1 failed, 0 skipped');
  process.exit(1);
}

const all = testFiles();
const work = mkdtempSync(join(tmpdir(), 'docat-test-'));
const results = [];

function runTier(name) {
  const tier = TIERS[name];
  const files = all.filter(tier.match);
  if (files.length === 0)
    return Promise.resolve({ name, passed: 0, failed: 0, skipped: 0, seconds: 0, files: 0 });
  const countsFile = join(work, `${name}.json`);
  const args = [
    '--enable-source-maps',
    '--test',
    `--test-concurrency=${tier.concurrency}`,
    '--test-timeout=600000',
    ...(tier.setup ? [`--test-global-setup=${tier.setup}`] : []),
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    `--test-reporter=${join(root, 'scripts', 'count-reporter.mjs')}`,
    `--test-reporter-destination=${countsFile}`,
    ...files.map((f) => relative(root, f)),
  ];
  console.log(`\n=== ${name}: ${files.length} file(s) ===`);
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: 'inherit' });
    child.on('exit', (code) => {
      let counts = { passed: 0, failed: 0, skipped: 0 };
      try {
        counts = JSON.parse(readFileSync(countsFile, 'utf8'));
      } catch {
        // The runner died before the reporter wrote: count the tier as one failure.
      }
      if (code !== 0 && counts.failed === 0) counts.failed = 1;
      resolve({ name, ...counts, seconds: (Date.now() - t0) / 1000, files: files.length });
    });
  });
}

for (const name of tiers) results.push(await runTier(name));
rmSync(work, { recursive: true, force: true });

const total = results.reduce(
  (acc, r) => ({
    passed: acc.passed + r.passed,
    failed: acc.failed + r.failed,
    skipped: acc.skipped + r.skipped,
  }),
  { passed: 0, failed: 0, skipped: 0 },
);
console.log('\nTest tiers:');
for (const r of results) {
  console.log(
    `  ${r.name.padEnd(12)} ${String(r.files).padStart(3)} files  ${String(r.passed).padStart(4)} pass  ${String(r.failed).padStart(3)} fail  ${String(r.skipped).padStart(3)} skip  ${r.seconds.toFixed(1)} s`,
  );
}
console.log(`  all tiers took ${((Date.now() - started) / 1000).toFixed(1)} s (build included)`);
if (total.skipped > 0) console.log(`  ${total.skipped} test(s) skipped: see the reasons above`);
console.log(`Total: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(total.failed > 0 ? 1 : 0);
