// Extraction benchmark: every contender runs in this one run on the same files, so the
// ratios hold even on a loaded machine. Run after building:
//   npm run bench:extract                      full run (book, 50/350/1,000 generated pages, bomb, OCR)
//   npm run bench:extract -w @docat/pdf -- --book file.pdf   measure this book instead of the corpus-made one
//   npm run bench:extract -w @docat/pdf -- --smoke   a few pages of each, to check that the bench runs
//   npm run bench:extract -w @docat/pdf -- --only ocr,bomb   some sections only (book,
//                                              memory, bomb, large, ocr); options need the -w form
//   npm run bench:extract -w @docat/pdf -- --only memory --pages 1000   some generated sizes only
// Times are wall clock and CPU (user + system of the whole process tree). Memory of a CLI
// run: the peak resident set of its largest process (GNU time), and the peaks of all its
// processes (the CLI and its sandbox children) added up, sampled every 25 ms: as resident
// sets (shared pages, such as Node's own code, counted once per process) and as proportional
// sets (shared pages counted once); the memory target is judged on the whole tree.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { corpusFile } from '@docat/testing';
import { DocatError } from '@docat/contracts';
import {
  createOcrAdapter,
  extractInSandbox,
  extractLayout,
  OCR_ADAPTER_NAMES,
  toPlainText,
  type OcrAdapter,
} from '../dist/index.js';
import { closeDocument, openDocument } from '../dist/extract/pdfjs.js';
import { largeJpegScanPdf, largeScanPdf } from '../dist/extract/large-scan.test-support.js';
import { syntheticBook } from './synthetic-book.ts';

const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const bookArg = args.includes('--book')
  ? args[args.indexOf('--book') + 1]
  : process.env.DOCAT_BENCH_BOOK;
const only = args.includes('--only')
  ? new Set(args[args.indexOf('--only') + 1]!.split(','))
  : undefined;
/** `--pages 1000` or `--pages 50,1000`: the generated sizes of the memory section (50, 350, 1,000 by default). */
const memoryPages = args.includes('--pages')
  ? args[args.indexOf('--pages') + 1]!.split(',').map(Number)
  : undefined;
const section = (name: 'book' | 'memory' | 'bomb' | 'large' | 'ocr') => !only || only.has(name);
const cli = fileURLToPath(new URL('../../cli/dist/main.js', import.meta.url));

type Row = [string, string, string];
const rows: Row[] = [];
const row = (what: string, value: string, target = '') => {
  rows.push([what, value, target]);
  if (!smoke) console.error(`${what}: ${value}`);
};

function words(text: string): string[] {
  return (
    text
      .toLowerCase()
      .replace(/-\n/g, '')
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

/** Share of the reference's words found in ours (multiset). */
export function recall(reference: string[], ours: string[]): number {
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

interface Measured {
  wallS: number;
  cpuS: number;
  /** Peak resident set of the largest single process (GNU time). */
  peakMb: number;
  /** Peak of the resident sets of every process of the run added up, sampled (`/proc`). */
  treeRssMb: number;
  /**
   * Peak of their proportional sets added up: pages shared between the processes (Node's
   * own code, libraries) counted once, as the machine holds them.
   */
  treePssMb: number;
  ok: boolean;
  stderr: string;
}

/** Pids of a process and all its descendants. */
function processTree(pid: number, out: number[] = []): number[] {
  out.push(pid);
  let children: string[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1').trim().split(/\s+/);
  } catch {
    // Ended meanwhile.
  }
  for (const c of children) if (c) processTree(Number(c), out);
  return out;
}

/** Resident and proportional set of one process in kB (0 once it has ended). */
function residentKb(pid: number): { rss: number; pss: number } {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1');
    const rss = /^Rss:\s+(\d+)/m.exec(text);
    const pss = /^Pss:\s+(\d+)/m.exec(text);
    return { rss: Number(rss?.[1] ?? 0), pss: Number(pss?.[1] ?? 0) };
  } catch {
    return { rss: 0, pss: 0 };
  }
}

/**
 * Run a command under GNU time: wall, CPU of the tree, peak RSS of its largest process; and,
 * sampled every 25 ms, the memory of the whole process tree (the CLI and its sandbox children).
 */
function measure(cmd: string, argv: string[]): Promise<Measured> {
  return new Promise((resolve) => {
    const child = spawn('/usr/bin/time', ['-f', '@@%e %U %S %M', cmd, ...argv], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let treeRss = 0;
    let treePss = 0;
    const sample = setInterval(() => {
      if (child.pid === undefined) return;
      let rss = 0;
      let pss = 0;
      for (const pid of processTree(child.pid)) {
        const r = residentKb(pid);
        rss += r.rss;
        pss += r.pss;
      }
      treeRss = Math.max(treeRss, rss);
      treePss = Math.max(treePss, pss);
    }, 25);
    child.on('close', (status) => {
      clearInterval(sample);
      const line = stderr.split('\n').find((l) => l.startsWith('@@')) ?? '@@0 0 0 0';
      const [e, u, s, m] = line.slice(2).split(' ').map(Number);
      resolve({
        wallS: e!,
        cpuS: u! + s!,
        peakMb: m! / 1024,
        treeRssMb: treeRss / 1024,
        treePssMb: treePss / 1024,
        ok: status === 0,
        stderr,
      });
    });
  });
}

const fmt = (m: Measured) =>
  `${m.wallS.toFixed(2)} s wall, ${m.cpuS.toFixed(2)} s CPU, ${m.peakMb.toFixed(0)} MB`;
/** Memory of a run of the CLI: its largest process, and all its processes together. */
const fmtTree = (m: Measured) =>
  `largest process ${m.peakMb.toFixed(0)} MB, all processes ${m.treeRssMb.toFixed(0)} MB RSS / ${m.treePssMb.toFixed(0)} MB PSS`;
const ratio = (a: Measured, b: Measured) =>
  `${(a.wallS / b.wallS).toFixed(1)}x wall, ${(a.cpuS / b.cpuS).toFixed(1)}x CPU`;

/** CPU seconds of this process and its finished children (the native OCR processes). */
function treeCpuS(): number {
  const fields = readFileSync('/proc/self/stat', 'latin1').split(') ')[1]!.split(' ');
  // utime, stime, cutime, cstime: fields 14-17 of stat(5), here 11-14 after the name.
  return fields.slice(11, 15).reduce((a, f) => a + Number(f), 0) / 100;
}

function docatExtract(file: string, format = 'txt'): Promise<Measured> {
  return measure(process.execPath, [
    cli,
    'extract',
    file,
    '--format',
    format,
    '--out',
    '/dev/null',
    '-q',
  ]);
}

/** pdf.js getTextContent over every page, nothing else: the floor of any pdf.js-based extraction. */
async function rawTextContent(bytes: Uint8Array): Promise<string> {
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

/** A one-page PDF whose content stream inflates to `size` bytes. */
function deflateBomb(size: number): Buffer {
  const data = deflateSync(Buffer.alloc(size, 0x20), { level: 9 });
  const head = '%PDF-1.7\n';
  const objs = [
    '1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n',
    '2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n',
    '3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>\nendobj\n',
  ];
  const offsets: number[] = [];
  let body = Buffer.from(head, 'latin1');
  for (const o of objs) {
    offsets.push(body.length);
    body = Buffer.concat([body, Buffer.from(o, 'latin1')]);
  }
  offsets.push(body.length);
  body = Buffer.concat([
    body,
    Buffer.from(`4 0 obj\n<< /Length ${data.length} /Filter /FlateDecode >>\nstream\n`, 'latin1'),
    data,
    Buffer.from('\nendstream\nendobj\n', 'latin1'),
  ]);
  const xref = body.length;
  const table = `xref\n0 5\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  return Buffer.concat([
    body,
    Buffer.from(
      `${table}trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`,
      'latin1',
    ),
  ]);
}

const dir = mkdtempSync(join(tmpdir(), 'docat-bench-'));
const load = () => loadavg()[0]!.toFixed(1);
console.error(`cores ${cpus().length}, load average at start ${load()}`);
try {
  // --- A book against poppler and raw pdf.js -------------------------------------------
  if (section('book')) {
    let book = bookArg;
    if (!book || !existsSync(book)) {
      book = join(dir, 'book.pdf');
      const parts = smoke
        ? [corpusFile('tracemonkey.pdf')]
        : [
            ...Array.from({ length: 21 }, () => corpusFile('tracemonkey.pdf')),
            corpusFile('issue19971.pdf'),
          ];
      execFileSync('pdfunite', [...parts, book]);
    }
    const bookBytes = new Uint8Array(readFileSync(book));
    const probe = await openDocument(bookBytes, { fontExtraProperties: false });
    const bookPages = probe.numPages;
    await closeDocument(probe);
    const label = `book (${bookPages} p)`;
    const pdftotext = await measure('pdftotext', [book, '/dev/null']);
    row(`${label}: pdftotext`, fmt(pdftotext));
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await rawTextContent(bookBytes);
    const c1 = process.cpuUsage(c0);
    const raw = {
      wallS: (performance.now() - t0) / 1000,
      cpuS: (c1.user + c1.system) / 1e6,
      peakMb: NaN,
      ok: true,
      stderr: '',
    };
    row(
      `${label}: raw pdf.js getTextContent, 1 thread`,
      `${raw.wallS.toFixed(2)} s wall, ${raw.cpuS.toFixed(2)} s CPU (${ratio(raw, pdftotext)} pdftotext)`,
    );
    const ours = await docatExtract(book);
    row(
      `${label}: docat extract --format txt`,
      `${fmt(ours)} (${ratio(ours, pdftotext)} pdftotext); ${fmtTree(ours)}`,
      '<= 3x pdftotext',
    );
    // Markdown keeps figures and styles: every page's operators are walked (not in the smoke run).
    const full = smoke ? undefined : await docatExtract(book, 'md');
    if (full)
      row(
        `${label}: docat extract --format md`,
        `${fmt(full)} (${ratio(full, pdftotext)} pdftotext)`,
      );
    if (!ours.ok) row(`${label}: docat extract failed`, ours.stderr.slice(0, 200));
  }

  // --- Memory against page count ---------------------------------------------------------
  for (const pages of !section('memory') ? [] : smoke ? [3] : (memoryPages ?? [50, 350, 1000])) {
    const file = join(dir, `synthetic-${pages}.pdf`);
    writeFileSync(file, await syntheticBook(pages));
    const run = await docatExtract(file);
    const sandbox = await extractInSandbox(file, { ocr: 'off' }, { maxPages: 5000 });
    row(
      `${pages} generated pages: docat extract`,
      `${run.wallS.toFixed(2)} s wall, ${run.cpuS.toFixed(2)} s CPU; ${fmtTree(run)}`,
      '<= 400 MB',
    );
    row(
      `${pages} generated pages: sandbox children alone (extractInSandbox)`,
      `peak ${sandbox.peakRssMbPerChild.toFixed(0)} MB per child, ${sandbox.peakRssMb.toFixed(0)} MB for ${sandbox.children}`,
    );
  }

  // --- A decompression bomb ---------------------------------------------------------------
  if (section('bomb')) {
    const bomb = join(dir, 'bomb.pdf');
    writeFileSync(bomb, deflateBomb(smoke ? 64 * 1024 * 1024 : 1024 ** 3));
    const bombRun = await docatExtract(bomb);
    const code = /PDF_[A-Z_]+/.exec(bombRun.stderr)?.[0] ?? (bombRun.ok ? 'accepted' : 'failed');
    row(
      `bomb (${(readFileSync(bomb).length / 1024).toFixed(0)} KB file, ${smoke ? '64 MiB' : '1 GiB'} stream): docat extract`,
      `${code}; ${bombRun.wallS.toFixed(2)} s wall; ${fmtTree(bombRun)}`,
      'refused, peak <= 512 MB',
    );
    try {
      const r = await extractInSandbox(bomb, { ocr: 'off' });
      row('bomb: sandbox child', `accepted, peak ${r.peakRssMb} MB`);
    } catch (err) {
      row(
        'bomb: sandbox child',
        err instanceof DocatError ? `${err.code}: ${err.message}` : String(err),
      );
    }
  }

  // --- A scan too large to decode at full size -------------------------------------------
  if (section('large')) {
    // 9,000 x 12,000 grey (1,000 dpi), 108 MB decoded; the smoke run uses a quarter of it.
    const [w, h] = smoke ? [4500, 6000] : [9000, 12000];
    // The same scan Flate-compressed and as a JPEG; each is decoded reduced, never at full size.
    for (const [kind, make] of [
      ['Flate', async () => largeScanPdf(w, h)],
      ['JPEG', () => largeJpegScanPdf(w, h)],
    ] as const) {
      const file = join(dir, `large-scan-${kind}.pdf`);
      writeFileSync(file, await make());
      const t = performance.now();
      try {
        const r = await extractInSandbox(file, { ocr: 'auto' });
        const text = toPlainText(r.document).trim().split(/\s+/).length;
        row(
          `large ${kind} scan (${w} x ${h} px, ${(readFileSync(file).length / 1024).toFixed(0)} KB file): sandbox, OCR (${r.ocrAdapter ?? 'none'})`,
          `${((performance.now() - t) / 1000).toFixed(2)} s wall, peak ${r.peakRssMbPerChild.toFixed(0)} MB, ${text} words, ${r.warnings.length} warnings`,
          '<= 768 MB (child cap)',
        );
      } catch (err) {
        row(
          `large ${kind} scan: sandbox`,
          err instanceof DocatError ? `${err.code}: ${err.message}` : String(err),
        );
      }
    }
  }

  // --- OCR per adapter -------------------------------------------------------------------
  const scanned = new Uint8Array(readFileSync(corpusFile('scanned-tracemonkey-p1-2.pdf')));
  const reference = words(
    execFileSync('pdftotext', ['-f', '1', '-l', '2', corpusFile('tracemonkey.pdf'), '-'], {
      encoding: 'utf8',
    }),
  );
  // The anchor: poppler draws each page in grey at the scan's own resolution (200 dpi, as the
  // extraction draws it) and the tesseract binary reads it, one single-threaded process per
  // page, both pages at once: the floor for the native adapter on this machine, now.
  let anchorS = NaN;
  if (section('ocr') && !smoke) {
    const have = (cmd: string) => {
      try {
        execFileSync(cmd, ['-v'], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    };
    if (have('tesseract') && have('pdftoppm')) {
      const file = corpusFile('scanned-tracemonkey-p1-2.pdf');
      const t = performance.now();
      const runs = await Promise.all(
        [1, 2].map((p) =>
          measure('sh', [
            '-c',
            `pdftoppm -r 200 -gray -f ${p} -l ${p} "$0" | OMP_THREAD_LIMIT=1 tesseract stdin stdout -l eng --psm 3 hocr`,
            file,
          ]),
        ),
      );
      const failed = runs.find((r) => !r.ok);
      if (failed) row('OCR anchor', `failed: ${failed.stderr.trim().slice(0, 200)}`);
      else anchorS = (performance.now() - t) / 1000 / 2;
      if (!failed)
        row(
          'OCR anchor: pdftoppm -gray 200 dpi | tesseract (1 thread), 2 pages at once: s per page',
          `${anchorS.toFixed(2)} s wall, ${(runs.reduce((a, r) => a + r.cpuS, 0) / 2).toFixed(2)} CPU s`,
        );
    }
  }
  const vsAnchor = (s: number) =>
    Number.isFinite(anchorS) ? ` (${(s / anchorS).toFixed(2)}x the anchor)` : '';
  // The smoke run reads one page with the preferred adapter only; tesseract.js has its own tests.
  for (const name of !section('ocr')
    ? []
    : smoke
      ? [createOcrAdapter('auto').name]
      : OCR_ADAPTER_NAMES) {
    let adapter: OcrAdapter | Error;
    try {
      adapter = createOcrAdapter(name);
    } catch (err) {
      adapter = err as Error;
    }
    if (adapter instanceof Error) {
      row(`OCR ${name}`, `unavailable: ${adapter.message}`);
      continue;
    }
    try {
      const pages = smoke ? [{ from: 1, to: 1 }] : undefined;
      const n = smoke ? 1 : 2;
      const t = performance.now();
      const c = treeCpuS();
      const out = await extractLayout(scanned.slice(), {
        ocrAdapter: adapter,
        ...(pages ? { pages } : {}),
      });
      const cold = (performance.now() - t) / 1000 / n;
      const cpu = (treeCpuS() - c) / n;
      let warm = NaN;
      if (!smoke) {
        const t2 = performance.now();
        await extractLayout(scanned.slice(), { ocrAdapter: adapter });
        warm = (performance.now() - t2) / 1000 / n;
      }
      const got = words(toPlainText(out.document));
      const ref = smoke
        ? words(
            execFileSync('pdftotext', ['-f', '1', '-l', '1', corpusFile('tracemonkey.pdf'), '-'], {
              encoding: 'utf8',
            }),
          )
        : reference;
      row(
        `OCR ${name}: seconds per page, cold / warm (${n} pages at once); CPU s per page`,
        `${cold.toFixed(2)} / ${warm.toFixed(2)}${vsAnchor(Number.isNaN(warm) ? cold : warm)}; ${cpu.toFixed(2)} CPU`,
        name === 'native' ? '<= 3 s' : '',
      );
      row(`OCR ${name}: word recall vs pdftotext`, recall(ref, got).toFixed(3), '>= 0.95');
      if (!smoke) {
        // The service's path: the sandbox child, OCR'ing as many pages at once as there are cores.
        const t3 = performance.now();
        const c3 = treeCpuS();
        const boxed = await extractInSandbox(corpusFile('scanned-tracemonkey-p1-2.pdf'), {
          ocrEngine: name,
        });
        row(
          `OCR ${name} in the sandbox: seconds per page (${n} pages at once), recall`,
          `${((performance.now() - t3) / 1000 / n).toFixed(2)} s wall${vsAnchor((performance.now() - t3) / 1000 / n)}, ${((treeCpuS() - c3) / n).toFixed(2)} CPU s; recall ${recall(ref, words(toPlainText(boxed.document))).toFixed(3)}`,
          name === 'native' ? '<= 3 s' : '',
        );
      }
    } finally {
      await adapter.close();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.error(`load average at end ${load()}`);
const w0 = Math.max(...rows.map((r) => r[0].length));
const w1 = Math.max(...rows.map((r) => r[1].length));
console.log(`| ${'measure'.padEnd(w0)} | ${'result'.padEnd(w1)} | target |`);
console.log(`|${'-'.repeat(w0 + 2)}|${'-'.repeat(w1 + 2)}|--------|`);
for (const [a, b, c] of rows) console.log(`| ${a.padEnd(w0)} | ${b.padEnd(w1)} | ${c} |`);
