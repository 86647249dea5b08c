import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '@docat/testing';
import { defaultOutDir } from './load-run.js';
import {
  chaosTable,
  referenceRun,
  runScenario,
  SCENARIOS,
  startChaosSystem,
  type ScenarioResult,
} from './chaos.js';

/**
 * `npm run chaos`: each fault of SCENARIOS (default: all, in a fixed order) while jobs run on
 * one cluster with its own Redis, PostgreSQL and fake engine; every job checked against an
 * undisturbed run (outputs byte for byte, credits, history). CHAOS_PDF: the document
 * (default examples/sample.pdf). Writes chaos.md to LOAD_OUT (default: the OS temp dir);
 * exits 1 when a fault loses, duplicates, mischarges or changes a job.
 */
const ORDER = [
  'kill-extraction',
  'kill-translation',
  'redis-restart',
  'postgres-restart',
  'storage-unavailable',
  'engine-failing',
  'engine-timeouts',
  'burst-200',
  'redis-restart-no-persistence',
];
const chosen = (process.env.SCENARIOS ?? ORDER.join(',')).split(',').filter(Boolean);
for (const name of chosen)
  if (!SCENARIOS[name]) throw new Error(`unknown scenario ${name} (known: ${ORDER.join(', ')})`);
const pdf = process.env.CHAOS_PDF ?? join(repoRoot(), 'examples', 'sample.pdf');
const outDir = defaultOutDir();
await mkdir(outDir, { recursive: true });
const log = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);

const system = await startChaosSystem(log);
const results: ScenarioResult[] = [];
try {
  const reference = await referenceRun(system, pdf);
  log(`undisturbed run: ${reference.pages} pages, ${reference.credits} credits`);
  for (const name of chosen) {
    const result = await runScenario(system, reference, pdf, SCENARIOS[name]!, log).catch(
      (err: unknown): ScenarioResult => ({
        name: SCENARIOS[name]!.name,
        what: `the run itself failed: ${(err as Error).message}`,
        submitted: 0,
        refused: {},
        completed: 0,
        failed: {},
        unfinished: 0,
        lost: 0,
        chargedTwice: 0,
        chargedWrong: 0,
        outputsDiffer: 0,
        stepRunsAgain: 0,
        kills: [],
        seconds: 0,
        ok: false,
        notes: [],
      }),
    );
    results.push(result);
    log(
      `${result.ok ? 'pass' : 'FAIL'} ${result.name}: ${JSON.stringify({ ...result, name: undefined, what: undefined })}`,
    );
  }
} finally {
  await system.stop();
}
const text = [
  '# Docat under faults',
  '',
  `Document: ${pdf.split('/').pop()}; cluster with one gateway, two extraction and two translation replicas, its own Redis and PostgreSQL, a fake LibreTranslate as the engine.`,
  '',
  chaosTable(results),
  '',
  ...results.flatMap((r) => [
    `- **${r.name}**: ${r.what}.${r.notes.length ? ` ${r.notes.join('; ')}.` : ''}`,
  ]),
  '',
].join('\n');
await writeFile(join(outDir, 'chaos.md'), text);
console.log(text);
console.log(`chaos report: ${join(outDir, 'chaos.md')}`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
