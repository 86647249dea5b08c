import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '@docat/testing';
import { FakeLibreTranslateServer } from '@docat/translate/testing';
import { defaultOutDir, runLoad, type LoadOutcome, type LoadTarget } from './load-run.js';

/**
 * `npm run load:capacity`: the load test at rising user counts per configuration, until a
 * run no longer holds (upload p95 < 2 s, status p99 < 100 ms, no job lost or unfinished
 * after the drain). CONFIGS: comma-separated from standalone, cluster-1, cluster-2, with
 * `+fake300` for a fake engine answering after 300 ms instead of the pseudo engine (default
 * `standalone,cluster-1,cluster-2`); STEPS: user counts (default 2,4,8,16,32); RUN_TIME_S
 * (60), DRAIN_S (180). Writes capacity.md beside the runs' reports.
 */
const configs = (process.env.CONFIGS ?? 'standalone,cluster-1,cluster-2')
  .split(',')
  .filter(Boolean);
const steps = (process.env.STEPS ?? '2,4,8,16,32').split(',').map(Number);
const outDir = defaultOutDir();
const pdf = process.env.LOAD_PDF ?? join(repoRoot(), 'examples', 'sample.pdf');

/** The machine's 1-minute load average before and after the step (it is shared: see the guide). */
const loadAverage = (o: LoadOutcome) =>
  `${o.loadAverage.before[0]?.toFixed(1)} -> ${o.loadAverage.after[0]?.toFixed(1)}`;

interface Row {
  config: string;
  held: number;
  runs: { users: number; outcome: LoadOutcome }[];
}

const rows: Row[] = [];
for (const config of configs) {
  const [base, engine] = config.split('+');
  const target: LoadTarget = base === 'standalone' ? 'standalone' : 'cluster';
  const workers = base?.startsWith('cluster-') ? Number(base.slice('cluster-'.length)) : 1;
  const fake =
    engine === 'fake300'
      ? await new FakeLibreTranslateServer({ latencyMs: 300 }).start()
      : undefined;
  const env: Record<string, string> = fake
    ? { TRANSLATION_ENGINES: 'libretranslate', LIBRETRANSLATE_URL: fake.url }
    : {};
  const row: Row = { config, held: 0, runs: [] };
  try {
    for (const users of steps) {
      const outcome = await runLoad(
        {
          target,
          workers,
          users,
          spawnRate: Math.max(1, Math.ceil(users / 5)),
          runTimeS: Number(process.env.RUN_TIME_S ?? 60),
          maxRequests: 100_000,
          pdf,
          followShare: 0.2,
          drainS: Number(process.env.DRAIN_S ?? 180),
          outDir: join(outDir, config),
          env,
          label: config,
        },
        (line) => console.log(line),
      );
      row.runs.push({ users, outcome });
      const upload = outcome.endpoints.find((e) => e.name === 'POST /v1/documents');
      const status = outcome.endpoints.find((e) => e.name === 'GET /v1/jobs/:id');
      console.log(
        `${config} ${users} users (load average ${loadAverage(outcome)}): upload p95 ${upload?.p95} ms, status p99 ${status?.p99} ms, jobs ${outcome.jobs.submitted} submitted / ${outcome.jobs.completed} completed / ${outcome.jobs.unfinished} unfinished / ${outcome.jobs.lost} lost: ${outcome.held ? 'held' : `not held (${outcome.heldWhy.join('; ')})`}`,
      );
      if (!outcome.held) break;
      row.held = users;
    }
  } finally {
    await fake?.close();
  }
  rows.push(row);
}

const lines = [
  '# Docat capacity on this machine',
  '',
  'Most concurrent users held with upload p95 < 2 s, status p99 < 100 ms and no job lost or unfinished after the drain; each step a fresh target.',
  '',
  '| configuration | users held | run | users | upload p95 ms | status p99 ms | req/s | jobs submitted | completed | unfinished | lost | load average (1 min) | verdict |',
  '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
  ...rows.flatMap((r) =>
    r.runs.map(({ users, outcome }, i) => {
      const upload = outcome.endpoints.find((e) => e.name === 'POST /v1/documents');
      const status = outcome.endpoints.find((e) => e.name === 'GET /v1/jobs/:id');
      const all = outcome.endpoints.find((e) => e.name === 'all requests');
      return `| ${i === 0 ? r.config : ''} | ${i === 0 ? r.held : ''} | ${outcome.reportFile} | ${users} | ${upload?.p95 ?? '-'} | ${status?.p99 ?? '-'} | ${all?.rps.toFixed(1) ?? '-'} | ${outcome.jobs.submitted} | ${outcome.jobs.completed} | ${outcome.jobs.unfinished} | ${outcome.jobs.lost} | ${loadAverage(outcome)} | ${outcome.held ? 'held' : outcome.heldWhy.join('; ')} |`;
    }),
  ),
  '',
];
await writeFile(join(outDir, 'capacity.md'), lines.join('\n'));
console.log(lines.join('\n'));
console.log(`capacity: ${join(outDir, 'capacity.md')}`);
