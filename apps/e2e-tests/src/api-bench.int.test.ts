import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { requireCorpus } from '@docat/testing';

const corpus = requireCorpus('tracemonkey.pdf');

// `npm run bench:api` in its smoke form: it runs end to end and prints both sides. The
// numbers themselves are the full run's business (20 s per side, both modes).
test(
  'bench:api --smoke runs against the standalone mode and prints Docat beside bare Fastify',
  { skip: corpus.skip },
  () => {
    const bench = fileURLToPath(new URL('../bench/api-bench.js', import.meta.url));
    const run = spawnSync(process.execPath, [bench, '--smoke', '--modes', 'standalone'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(run.status, 0, `exit ${run.status}\n${run.stdout}\n${run.stderr}`);
    const summary = run.stdout
      .split('\n')
      .find((line) => line.startsWith('{"bench":"api","connections"'));
    assert.ok(summary, run.stdout);
    const { rows } = JSON.parse(summary) as {
      rows: {
        mode: string;
        docat: { rps: number };
        bare: { rps: number };
        uploads?: { accepted: number; count: number };
      }[];
    };
    assert.equal(rows[0]?.mode, 'standalone');
    assert.ok(rows[0]!.docat.rps > 0 && rows[0]!.bare.rps > 0, summary);
    assert.equal(rows[0]!.uploads?.accepted, rows[0]!.uploads?.count, summary);
    assert.match(run.stdout, /\| standalone \| \d+ \| [\d.]+ \/ [\d.]+ \| \d+ \|/);
  },
);
