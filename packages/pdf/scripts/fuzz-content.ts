// Long-running content-engine fuzzer: `npm run fuzz -- [--cases N] [--seed S]` (after a build).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { corpusDir, corpusFile } from '@docat/testing';
import { runContentFuzz } from '../dist/content/content-fuzz.js';
import { openPdf } from '../dist/content/pdf-file.js';
import { pageContentBytes } from '../dist/content/page-interpreter.js';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '100000' },
    seed: { type: 'string', default: String(Date.now() % 2 ** 31) },
    out: { type: 'string', default: 'fuzz-failures' },
  },
});
const cases = Number(values.cases);
const seed = Number(values.seed);

const sources: Uint8Array[] = [];
for (const name of readdirSync(corpusDir()).filter((n) => n.endsWith('.pdf'))) {
  try {
    const file = await openPdf(new Uint8Array(readFileSync(corpusFile(name))), {
      respectPermissions: false,
    });
    for (let p = 0; p < file.pageCount; p++) sources.push(pageContentBytes(file, p));
  } catch {
    // Files the engine rejects have no content streams to mutate.
  }
}
const target = await openPdf(new Uint8Array(readFileSync(corpusFile('tracemonkey.pdf'))));
console.log(`seed ${seed}, ${cases} cases over ${sources.length} content streams`);
const report = runContentFuzz({
  seed,
  cases,
  sources,
  file: target,
  interpretEvery: 10,
  maxSliceBytes: 16384,
});
console.log(
  `${report.cases} cases, ${report.interpreted} interpreted, ${report.failures.length} failures, ` +
    `slowest ${report.slowestMs.toFixed(1)} ms, total ${(report.totalMs / 1000).toFixed(1)} s`,
);
if (report.failures.length > 0) {
  mkdirSync(values.out, { recursive: true });
  for (const f of report.failures.slice(0, 50)) {
    const path = join(values.out, `case-${seed}-${f.index}.bin`);
    writeFileSync(path, f.input);
    console.log(`  #${f.index} ${f.stage}: ${f.message} -> ${path}`);
  }
  process.exitCode = 1;
}
