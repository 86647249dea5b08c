import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { requireAll, requireCorpus, requireTools } from '@docat/testing';

const req = requireAll(
  requireCorpus('tracemonkey.pdf', 'scanned-tracemonkey-p1-2.pdf'),
  requireTools('pdftotext', 'pdfunite'),
);
const pdfPackage = fileURLToPath(new URL('../..', import.meta.url));

// The full run is `npm run bench:extract`; this only checks that the bench still runs.
test(
  'bench:extract runs in its smoke size and prints its table',
  { skip: req.skip, timeout: 300_000 },
  () => {
    const run = spawnSync(process.execPath, ['bench/extract-bench.ts', '--smoke'], {
      cwd: pdfPackage,
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr.slice(-2000));
    for (const row of [
      'pdftotext',
      'raw pdf.js getTextContent',
      'docat extract --format txt',
      'generated pages',
      'bomb',
      'large Flate scan',
      'large JPEG scan',
      'word recall',
    ]) {
      assert.ok(run.stdout.includes(row), `row '${row}' missing:\n${run.stdout}`);
    }
  },
);
