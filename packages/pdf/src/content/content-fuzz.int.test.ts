import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { corpusFile, requireCorpus } from '@docat/testing';
import { runContentFuzz } from './content-fuzz.js';
import { pageContentBytes } from './page-interpreter.js';
import { openPdf } from './pdf-file.js';

const FILES = [
  'tracemonkey.pdf',
  'standard_fonts.pdf',
  'issue16538.pdf',
  'pdfjs_wikipedia.pdf',
  'prefilled_f1040.pdf',
  'scanned-tracemonkey-p1-2.pdf',
];
const req = requireCorpus(...FILES);
const CASES = 3000;

test(`content fuzz: ${CASES} seeded mutations of corpus streams`, { skip: req.skip }, async () => {
  const sources: Uint8Array[] = [];
  for (const name of FILES) {
    const file = await openPdf(new Uint8Array(readFileSync(corpusFile(name))));
    for (let p = 0; p < Math.min(2, file.pageCount); p++) sources.push(pageContentBytes(file, p));
  }
  const target = await openPdf(new Uint8Array(readFileSync(corpusFile('tracemonkey.pdf'))));
  const report = runContentFuzz({
    seed: 20240601,
    cases: CASES,
    sources,
    file: target,
    interpretEvery: 20,
  });
  console.log(
    `fuzz: ${report.cases} cases (${report.interpreted} interpreted and rewritten), ${report.failures.length} failures, slowest ${report.slowestMs.toFixed(1)} ms, total ${report.totalMs.toFixed(0)} ms`,
  );
  assert.equal(report.cases, CASES);
  assert.deepEqual(
    report.failures.slice(0, 3).map((f) => `${f.index} ${f.stage}: ${f.message}`),
    [],
  );
  assert.ok(report.slowestMs < 2000, `a case took ${report.slowestMs} ms`);
});
