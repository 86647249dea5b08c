// Fidelity benchmark: translates PDFs with the pseudo engine through the CLI's pipeline and
// measures, with poppler, how many of each document's prose words are still on the
// translated pages; beside it, the numbers of the product's own fidelity report (its
// coverage, shrunk and overflowing blocks, overlaps). Run with `npm run bench:fidelity`
// after building; extra folders of PDFs with `npm run bench:fidelity -- --dir <folder>`
// (repeatable) or DOCAT_FIDELITY_DIRS (folders separated by ':'), `--no-corpus` to skip the
// corpus, `--to <lang>` (default de), `--only <name,...>`, `--keep <folder>` to keep the
// translated PDFs and reports, `--pages` for a per-page table, `--words` for the words left,
// `--json <file>` for the numbers.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  DocatError,
  FIDELITY_SHRINK_THRESHOLD,
  type FidelitySummary,
  type LanguageCode,
} from '@docat/contracts';
import { corpusDir, requireTools } from '@docat/testing';
import { translateDocument } from '../dist/pipeline/translate-document.js';
import { renderPdfOutputs } from '../dist/pdf-outputs.js';
import {
  measureCoverage,
  popplerPages,
  type DocumentCoverage,
} from '../dist/fidelity/poppler-coverage.test-support.js';

/** Corpus targets: words left per document, and on any one page. */
const DOC_TARGET = 0.02;
const PAGE_TARGET = 0.05;
/** Pages with fewer prose words than this are listed but not held to the page target (one word is 5% of 20). */
const PAGE_MIN_WORDS = 20;
const EXTRACT_TIMEOUT_MS = 30 * 60_000;

const { values: args } = parseArgs({
  options: {
    dir: { type: 'string', multiple: true, default: [] },
    'no-corpus': { type: 'boolean', default: false },
    to: { type: 'string', default: 'de' },
    only: { type: 'string' },
    keep: { type: 'string' },
    pages: { type: 'boolean', default: false },
    words: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
  allowPositionals: false,
});

const tools = requireTools('pdftotext');
if (!tools.ok) {
  console.error(`bench:fidelity needs poppler's pdftotext (${tools.skip})`);
  process.exit(2);
}

/** The corpus PDFs MANIFEST.md lists with a page count: the ones that should translate. */
function corpusDocuments(): string[] {
  const dir = corpusDir();
  const manifest = join(dir, 'MANIFEST.md');
  if (!existsSync(manifest)) {
    console.log(`no corpus at ${dir}: skipped`);
    return [];
  }
  const out: string[] = [];
  for (const line of readFileSync(manifest, 'utf8').split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 4 || !cells[1]!.endsWith('.pdf')) continue;
    if (/^\d+\??$/u.test(cells[2]!)) out.push(join(dir, cells[1]!));
  }
  return out;
}

function pdfsIn(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...pdfsIn(full));
    else if (name.toLowerCase().endsWith('.pdf')) out.push(full);
  }
  return out;
}

const extraDirs = [
  ...args.dir,
  ...(process.env.DOCAT_FIDELITY_DIRS ?? '').split(':').filter((d) => d.trim() !== ''),
];
let documents = [
  ...(args['no-corpus'] ? [] : corpusDocuments()),
  ...extraDirs.flatMap((d) => pdfsIn(resolve(d))),
];
if (args.only) {
  const wanted = new Set(args.only.split(',').map((s) => s.trim()));
  documents = documents.filter((d) => wanted.has(basename(d)));
}
if (documents.length === 0) {
  console.error('no documents to measure');
  process.exit(2);
}
const target = args.to as LanguageCode;
if (args.keep) mkdirSync(args.keep, { recursive: true });

interface Row {
  document: string;
  pages: number;
  seconds: number;
  coverage?: DocumentCoverage;
  overflow?: number;
  /** The product's own fidelity report of the same output. */
  report?: FidelitySummary;
  error?: string;
}

const pct = (n: number, d: number): string => (d === 0 ? '-' : `${((100 * n) / d).toFixed(1)}%`);

async function measure(path: string): Promise<Row> {
  const name = basename(path);
  const t0 = performance.now();
  const work = await mkdtemp(join(tmpdir(), 'docat-fidelity-'));
  try {
    // Fidelity, not speed, is measured: a loaded machine gets time to OCR a long document.
    const result = await translateDocument({
      input: path,
      target,
      engine: 'pseudo',
      useMemory: false,
      env: {},
      extractLimits: { timeoutMs: EXTRACT_TIMEOUT_MS },
    });
    const pdfs = await renderPdfOutputs(path, result.source, result.translated, {
      target,
      formats: ['pdf'],
      dualMode: 'side',
      report: true,
    });
    const output = join(work, 'out.pdf');
    await writeFile(output, pdfs.files.pdf!);
    if (args.keep) {
      writeFileSync(join(args.keep, name.replace(/\.pdf$/iu, `.${target}.pdf`)), pdfs.files.pdf!);
      writeFileSync(
        join(args.keep, name.replace(/\.pdf$/iu, `.${target}.report.json`)),
        JSON.stringify(pdfs.report, null, 2),
      );
    }
    // A page-range or partly recovered document: the output's pages are the layout's, in order.
    const numbers = result.source.pages.map((p) => p.number);
    const subset = numbers.length < result.source.pageCount;
    const coverage = measureCoverage(
      popplerPages(path),
      popplerPages(output),
      result.source,
      (p) => {
        if (!subset) return p;
        const i = numbers.indexOf(p);
        return i < 0 ? undefined : i + 1;
      },
      // The job ran with the default options: labels inside figures are kept as drawn.
      { figureLabelsKept: true },
    );
    const overflow = pdfs.warnings.filter((w) => w.kind === 'overflow').length;
    return {
      document: name,
      pages: result.source.pageCount,
      seconds: (performance.now() - t0) / 1000,
      coverage,
      overflow,
      ...(pdfs.report ? { report: pdfs.report.summary } : {}),
    };
  } catch (err) {
    const why =
      err instanceof DocatError
        ? err.code
        : err instanceof Error
          ? err.message.split('\n')[0]!
          : String(err);
    return { document: name, pages: 0, seconds: (performance.now() - t0) / 1000, error: why };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const rows: Row[] = [];
for (const path of documents) {
  process.stderr.write(`${basename(path)} ...\n`);
  rows.push(await measure(path));
}

function worst(c: DocumentCoverage): { page: number; share: number } | undefined {
  let best: { page: number; share: number } | undefined;
  for (const p of c.pages) {
    if (p.words < PAGE_MIN_WORDS) continue;
    const share = p.left / p.words;
    if (!best || share > best.share) best = { page: p.page, share };
  }
  return best;
}

interface Column {
  title: string;
  cell: (r: Row & { coverage: DocumentCoverage }) => string;
  total?: string;
}

const hotPages = (c: DocumentCoverage): number =>
  c.pages.filter((p) => p.words >= PAGE_MIN_WORDS && p.left / p.words > PAGE_TARGET).length;
const meets = (c: DocumentCoverage): boolean =>
  c.words > 0 && c.left / c.words <= DOC_TARGET && hotPages(c) === 0;
const measured = rows.filter((r) => r.coverage && r.coverage.words > 0);
const totalWords = measured.reduce((a, r) => a + r.coverage!.words, 0);
const totalLeft = measured.reduce((a, r) => a + r.coverage!.left, 0);

const columns: Column[] = [
  { title: 'document', cell: (r) => r.document, total: 'all' },
  { title: 'pages', cell: (r) => String(r.pages) },
  { title: 'unreadable', cell: (r) => String(r.coverage.unreadablePages) },
  { title: 'words', cell: (r) => String(r.coverage.words), total: String(totalWords) },
  { title: 'code+formula', cell: (r) => String(r.coverage.excluded) },
  { title: 'figure labels', cell: (r) => String(r.coverage.figureLabels) },
  { title: 'heads', cell: (r) => String(r.coverage.heads) },
  { title: 'left', cell: (r) => String(r.coverage.left), total: String(totalLeft) },
  {
    title: 'left %',
    cell: (r) => pct(r.coverage.left, r.coverage.words),
    total: pct(totalLeft, totalWords),
  },
  { title: 'in figures', cell: (r) => String(r.coverage.leftInFigures) },
  {
    title: 'worst page',
    cell: (r) => {
      const w = worst(r.coverage);
      return w ? `p${w.page} ${(100 * w.share).toFixed(0)}%` : '-';
    },
  },
  { title: `pages > ${PAGE_TARGET * 100}%`, cell: (r) => String(hotPages(r.coverage)) },
  {
    title: 'report left %',
    cell: (r) => (r.report ? `${(100 * (1 - r.report.coverage)).toFixed(1)}%` : '-'),
  },
  {
    title: 'shrunk',
    cell: (r) => String(r.report?.shrunk ?? '-'),
    total: String(measured.reduce((a, r) => a + (r.report?.shrunk ?? 0), 0)),
  },
  {
    title: 'overflow',
    cell: (r) => String(r.report?.overflowing ?? r.overflow ?? 0),
    total: String(measured.reduce((a, r) => a + (r.report?.overflowing ?? r.overflow ?? 0), 0)),
  },
  {
    title: 'overlaps',
    cell: (r) => String(r.report?.overlaps ?? '-'),
    total: String(measured.reduce((a, r) => a + (r.report?.overlaps ?? 0), 0)),
  },
  { title: 's', cell: (r) => r.seconds.toFixed(0) },
  {
    title: `<= ${DOC_TARGET * 100}% and no page > ${PAGE_TARGET * 100}%`,
    cell: (r) =>
      r.coverage.words === 0 ? 'no readable text in the source' : meets(r.coverage) ? 'yes' : 'NO',
    total: `${measured.filter((r) => meets(r.coverage!)).length} of ${measured.length} documents`,
  },
];
const header = columns.map((c) => c.title);
const table: string[][] = rows.map((r) =>
  r.coverage
    ? columns.map((c) => c.cell(r as Row & { coverage: DocumentCoverage }))
    : columns.map((c, i) =>
        i === 0
          ? r.document
          : i === columns.length - 1
            ? `failed: ${r.error}`
            : c.title === 's'
              ? r.seconds.toFixed(0)
              : '-',
      ),
);
table.push(columns.map((c) => c.total ?? ''));

const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
const line = (cells: string[]) =>
  cells
    .map((c, i) =>
      i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!),
    )
    .join('  ');
console.log(`bench:fidelity  target ${target}, pseudo engine, CLI pipeline`);
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of table) console.log(line(r));
console.log(
  `\nwords: prose words of the source (pdftotext; two letters or more; running heads, URLs and e-mail addresses left out).` +
    `\nunreadable: pages whose text poppler reads as garbage (fonts without a usable Unicode map), not counted.` +
    `\nleft: of those, still on the same page of the translated PDF. code+formula: words in code and formula blocks, not counted.` +
    `\nfigure labels: words of the labels inside figures, kept as drawn by default (translateFigureText off), not counted; other words inside a figure's box are.` +
    `\nworst page and pages > ${PAGE_TARGET * 100}%: pages with at least ${PAGE_MIN_WORDS} words.` +
    `\nreport left %: words left by the product's fidelity report (its own read-back; code, formulas and form fields left out, figure text and running heads counted).` +
    `\nshrunk: blocks set below ${FIDELITY_SHRINK_THRESHOLD * 100}% of their source size; overflow: blocks set past their box at the smallest size; overlaps: blocks whose new text covers kept text or a figure.`,
);

if (args.pages) {
  for (const r of rows) {
    if (!r.coverage) continue;
    console.log(`\n${r.document}`);
    for (const p of r.coverage.pages) {
      if (p.words === 0) continue;
      console.log(
        `  p${String(p.page).padEnd(4)} ${String(p.left).padStart(5)} / ${String(p.words).padEnd(5)} ${pct(p.left, p.words).padStart(6)}  in figures ${p.leftInFigures}  figure labels ${p.figureLabels}`,
      );
    }
  }
}
if (args.words) {
  for (const r of rows) {
    if (!r.coverage || r.coverage.left === 0) continue;
    console.log(`\n${r.document}: words left`);
    for (const p of r.coverage.pages)
      if (p.leftWords.length > 0) console.log(`  p${p.page}: ${p.leftWords.join(' ')}`);
  }
}
if (args.json) writeFileSync(args.json, JSON.stringify({ target, rows }, null, 2));
