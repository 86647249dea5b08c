// Extraction benchmark: one run over the same pages for every contender.
// Run with `npm run bench:extract -w @docat/pdf` after building.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { corpusFile } from '@docat/testing';
import { extractInSandbox, extractLayout, mergeChunks, OcrPool, toPlainText } from '../dist/index.js';
import { closeDocument, loadPdfjs, openDocument } from '../dist/extract/pdfjs.js';

type Row = [string, string, string];
const rows: Row[] = [];
const row = (what: string, value: string, target = '') => rows.push([what, value, target]);
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function words(text: string): string[] {
  return text.toLowerCase().replace(/-\n/g, '').match(/[\p{L}\p{N}]+/gu) ?? [];
}

function recall(reference: string[], ours: string[]): number {
  const bag = new Map<string, number>();
  for (const w of ours) bag.set(w, (bag.get(w) ?? 0) + 1);
  let hit = 0;
  for (const w of reference) {
    const n = bag.get(w) ?? 0;
    if (n > 0) {
      hit++;
      bag.set(w, n - 1);
    }
  }
  return hit / Math.max(1, reference.length);
}

function orderAgreement(reference: string[], ours: string[]): number {
  const pairs = new Map<string, number>();
  for (let i = 0; i + 1 < ours.length; i++) {
    const k = `${ours[i]} ${ours[i + 1]}`;
    pairs.set(k, (pairs.get(k) ?? 0) + 1);
  }
  let hit = 0;
  for (let i = 0; i + 1 < reference.length; i++) {
    const k = `${reference[i]} ${reference[i + 1]}`;
    const n = pairs.get(k) ?? 0;
    if (n > 0) {
      hit++;
      pairs.set(k, n - 1);
    }
  }
  return hit / Math.max(1, reference.length - 1);
}

function timed<T>(fn: () => T): [T, number] {
  const t = performance.now();
  const v = fn();
  return [v, performance.now() - t];
}

async function timedAsync<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const v = await fn();
  return [v, performance.now() - t];
}

function pdftotext(file: string, first?: number, last?: number): string {
  const range = first ? ['-f', String(first), '-l', String(last ?? first)] : [];
  return execFileSync('pdftotext', [...range, file, '-'], { encoding: 'utf8', maxBuffer: 1 << 28 });
}

/** Peak RSS of a command (GNU time's maximum resident set, in MB), when available. */
function peakOf(cmd: string, args: string[]): string {
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const kb = Number(r.stderr.trim().split('\n').pop());
  return Number.isFinite(kb) && kb > 0 ? `${(kb / 1024).toFixed(0)} MB` : 'n/a';
}

async function rawTextContent(bytes: Uint8Array): Promise<string> {
  const pdfjs = await loadPdfjs();
  void pdfjs;
  const doc = await openDocument(bytes, { fontExtraProperties: false });
  let out = '';
  for (let n = 1; n <= doc.numPages; n++) {
    const page = await doc.getPage(n);
    const tc = await page.getTextContent();
    for (const item of tc.items) if ('str' in item) out += item.str + (item.hasEOL ? '\n' : ' ');
    page.cleanup();
  }
  await closeDocument(doc);
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'docat-bench-'));
try {
  // A few hundred pages made of corpus files.
  const big = join(dir, 'big.pdf');
  execFileSync('pdfunite', [...Array.from({ length: 21 }, () => corpusFile('tracemonkey.pdf')), corpusFile('issue19971.pdf'), big]);
  const bigBytes = new Uint8Array(readFileSync(big));
  const [, tPdftotext] = timed(() => pdftotext(big));
  row('300 pages: pdftotext', secs(tPdftotext));
  row('300 pages: pdftotext peak RSS', peakOf('pdftotext', [big, '/dev/null']));
  const [, tRaw] = await timedAsync(() => rawTextContent(bigBytes));
  row('300 pages: raw pdf.js getTextContent (in-process)', secs(tRaw));
  const [fullRun, tFull] = await timedAsync(() => extractInSandbox(big, { ocr: 'off' }));
  row('300 pages: extractInSandbox, detail=full', `${secs(tFull)} (${(tFull / tPdftotext).toFixed(1)}x pdftotext)`, '<= 2x pdftotext');
  row('300 pages: child peak RSS, detail=full', `${fullRun.peakRssMb} MB`, '<= 512 MB');
  const [textRun, tText] = await timedAsync(() => extractInSandbox(big, { ocr: 'off', detail: 'text' }));
  row('300 pages: extractInSandbox, detail=text', `${secs(tText)} (${(tText / tPdftotext).toFixed(1)}x pdftotext)`, '<= 2x pdftotext');
  row('300 pages: child peak RSS, detail=text', `${textRun.peakRssMb} MB`, '<= 512 MB');
  const cores = availableParallelism();
  const [, tPar] = await timedAsync(async () => {
    const per = Math.ceil(300 / cores);
    const chunks = await Promise.all(
      Array.from({ length: cores }, (_, i) =>
        extractInSandbox(big, { ocr: 'off', detail: 'text', documentLevel: false, pages: [{ from: i * per + 1, to: Math.min(300, (i + 1) * per) }] }),
      ),
    );
    return mergeChunks(chunks.map((c) => c.document));
  });
  row(`300 pages: ${cores} sandboxed chunks + mergeChunks, detail=text`, `${secs(tPar)} (${(tPar / tPdftotext).toFixed(1)}x pdftotext)`, '<= 2x pdftotext');
  const small = await extractInSandbox(big, { ocr: 'off', pages: [{ from: 1, to: 30 }] });
  row('memory flatness: peak RSS 30 pages vs 300 pages', `${small.peakRssMb} MB vs ${fullRun.peakRssMb} MB`, 'flat');

  // tracemonkey, warm, in process.
  const tm = new Uint8Array(readFileSync(corpusFile('tracemonkey.pdf')));
  await rawTextContent(tm);
  await extractLayout(tm, { ocr: 'off' });
  const [, tTmRaw] = await timedAsync(() => rawTextContent(tm));
  const [tmFull, tTmFull] = await timedAsync(() => extractLayout(tm, { ocr: 'off' }));
  const [, tTmText] = await timedAsync(() => extractLayout(tm, { ocr: 'off', detail: 'text' }));
  row('tracemonkey (14 p), warm: raw getTextContent', secs(tTmRaw));
  row('tracemonkey, warm: extractLayout detail=full', `${secs(tTmFull)} (${(tTmFull / tTmRaw).toFixed(2)}x raw)`, '<= 1.5x raw');
  row('tracemonkey, warm: extractLayout detail=text', `${secs(tTmText)} (${(tTmText / tTmRaw).toFixed(2)}x raw)`, '<= 1.5x raw');
  const ref = words(pdftotext(corpusFile('tracemonkey.pdf')));
  const ours = words(toPlainText(tmFull.document));
  row('tracemonkey: word recall vs pdftotext', recall(ref, ours).toFixed(3), '>= 0.98');
  row('tracemonkey: order agreement vs pdftotext', orderAgreement(ref, ours).toFixed(3), '>= 0.95');

  // OCR of the scanned pages.
  const scanned = new Uint8Array(readFileSync(corpusFile('scanned-tracemonkey-p1-2.pdf')));
  const pool = new OcrPool();
  try {
    const [ocr, tOcr] = await timedAsync(() => extractLayout(scanned, { ocrPool: pool }));
    const ocrRef = words(pdftotext(corpusFile('tracemonkey.pdf'), 1, 2));
    const ocrWords = words(toPlainText(ocr.document));
    row('OCR scanned-tracemonkey-p1-2: word recall vs pdftotext p1-2', recall(ocrRef, ocrWords).toFixed(3), '>= 0.95');
    row('OCR: order agreement', orderAgreement(ocrRef, ocrWords).toFixed(3));
    row(`OCR: seconds per page (cold pool of ${cores}, incl. worker start)`, (tOcr / 2000).toFixed(2), '<= 5 s');
    const [, tOcrWarm] = await timedAsync(() => extractLayout(scanned, { ocrPool: pool }));
    row('OCR: seconds per page (warm pool)', (tOcrWarm / 2000).toFixed(2), '<= 5 s');
  } finally {
    await pool.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const w0 = Math.max(...rows.map((r) => r[0].length));
const w1 = Math.max(...rows.map((r) => r[1].length));
console.log(`| ${'measure'.padEnd(w0)} | ${'result'.padEnd(w1)} | target |`);
console.log(`|${'-'.repeat(w0 + 2)}|${'-'.repeat(w1 + 2)}|--------|`);
for (const [a, b, c] of rows) console.log(`| ${a.padEnd(w0)} | ${b.padEnd(w1)} | ${c} |`);
