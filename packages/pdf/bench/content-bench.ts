// Content engine speed against poppler: `npm run bench:content` (after a build).
// Engine: parse + interpret every page (file opening timed apart). pdftotext: whole file,
// same pages, best of three runs, divided by the page count.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { corpusDir, corpusFile } from '@docat/testing';
import { interpretPage } from '../dist/content/page-interpreter.js';
import { openPdf } from '../dist/content/pdf-file.js';

interface Row {
  file: string;
  pages: number;
  runs: number;
  openMs: number;
  engineMs: number;
  popplerMs: number;
}

function best(runs: number, work: () => void): number {
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    work();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

const rows: Row[] = [];
for (const name of readdirSync(corpusDir())
  .filter((n) => n.endsWith('.pdf'))
  .sort()) {
  const bytes = new Uint8Array(readFileSync(corpusFile(name)));
  let file;
  const t0 = performance.now();
  try {
    file = await openPdf(bytes, { respectPermissions: false });
  } catch {
    continue;
  }
  const openMs = performance.now() - t0;
  let runs = 0;
  const engineMs = best(3, () => {
    runs = 0;
    for (let p = 0; p < file.pageCount; p++) runs += interpretPage(file, p).runs.length;
  });
  let popplerMs: number;
  try {
    popplerMs = best(3, () => {
      execFileSync(
        'pdftotext',
        ['-f', '1', '-l', String(file.pageCount), corpusFile(name), '/dev/null'],
        { stdio: 'ignore' },
      );
    });
  } catch {
    popplerMs = NaN;
  }
  rows.push({ file: name, pages: file.pageCount, runs, openMs, engineMs, popplerMs });
}

const pad = (s: string, n: number): string => s.padEnd(n);
const lpad = (s: string, n: number): string => s.padStart(n);
console.log(
  `${pad('file', 30)} ${lpad('pages', 5)} ${lpad('runs', 7)} ${lpad('open ms', 8)} ${lpad('engine ms/page', 15)} ${lpad('pdftotext ms/page', 18)} ${lpad('ratio', 6)}`,
);
let enginePages = 0;
let engineTotal = 0;
let popplerTotal = 0;
for (const r of rows) {
  const e = r.engineMs / r.pages;
  const p = r.popplerMs / r.pages;
  enginePages += r.pages;
  engineTotal += r.engineMs;
  if (Number.isFinite(r.popplerMs)) popplerTotal += r.popplerMs;
  console.log(
    `${pad(r.file, 30)} ${lpad(String(r.pages), 5)} ${lpad(String(r.runs), 7)} ${lpad(r.openMs.toFixed(1), 8)} ${lpad(e.toFixed(2), 15)} ${lpad(Number.isFinite(p) ? p.toFixed(2) : 'n/a', 18)} ${lpad(Number.isFinite(p) ? (e / p).toFixed(2) : 'n/a', 6)}`,
  );
}
console.log(
  `${pad('all', 30)} ${lpad(String(enginePages), 5)} ${lpad('', 7)} ${lpad('', 8)} ${lpad((engineTotal / enginePages).toFixed(2), 15)} ${lpad((popplerTotal / enginePages).toFixed(2), 18)} ${lpad((engineTotal / popplerTotal).toFixed(2), 6)}`,
);
