// Render memory benchmark: the translated PDF (and with `--format dual` the bilingual one) of
// books made of N copies of the corpus's TraceMonkey paper (14 pages each, joined with qpdf),
// rendered as `docat translate` renders them (in the render thread) and, with `--in-process`,
// on the main thread as before. Prints the peak RSS while rendering and the CPU seconds of
// the render, one process per line so that peaks do not carry over. Run with
// `npm run bench:render-memory -w @docat/cli` after building; `--copies 7,21` (default).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { corpusFile, requireAll, requireCorpus, requireTools } from '@docat/testing';
import { pdfTranslationsOf, renderOutputs, renderPdfs } from '@docat/pipeline/render';
import { translateDocument } from '../dist/pipeline/translate-document.js';

const { values: args } = parseArgs({
  options: {
    copies: { type: 'string', default: '7,21' },
    format: { type: 'string', default: 'pdf' },
    'in-process': { type: 'boolean', default: false },
    one: { type: 'string' },
  },
});

const req = requireAll(requireCorpus('tracemonkey.pdf'), requireTools('qpdf'));
if (req.skip) {
  console.log(`skipped: ${req.skip}`);
  process.exit(process.env.CI ? 1 : 0);
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

/** One measurement, in this process: `copies:thread|main`. */
async function one(spec: string): Promise<void> {
  const [copies, where] = spec.split(':') as [string, 'thread' | 'main'];
  const work = mkdtempSync(join(tmpdir(), 'docat-render-memory-'));
  try {
    const book = join(work, 'book.pdf');
    const paper = corpusFile('tracemonkey.pdf');
    execFileSync('qpdf', [
      '--empty',
      '--pages',
      ...Array.from({ length: Number(copies) }, () => paper),
      '--',
      book,
    ]);
    const doc = await translateDocument({
      input: book,
      target: 'de',
      engine: 'pseudo',
      useMemory: false,
    });
    const original = new Uint8Array(readFileSync(book));
    const formats = args.format === 'dual' ? (['dual'] as const) : (['pdf'] as const);
    const startRss = process.memoryUsage().rss;
    let peak = startRss;
    const poll = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const cpu = process.cpuUsage();
    const started = performance.now();
    let bytes: number;
    if (where === 'thread') {
      const out = await renderOutputs(
        () => Promise.resolve(original),
        doc,
        { targetLanguage: 'de', engine: 'pseudo', model: 'pseudo' },
        { formats, dualMode: 'side', renderThread: true },
      );
      bytes = out.files[formats[0]]!.byteLength;
    } else {
      const out = await renderPdfs({
        original,
        source: doc.source,
        translations: pdfTranslationsOf(doc.source, doc.translated),
        targetLanguage: 'de',
        ...(args.format === 'dual' ? { dual: 'side' as const } : {}),
      });
      bytes = (args.format === 'dual' ? out.dual! : out.pdf).byteLength;
    }
    const used = process.cpuUsage(cpu);
    clearInterval(poll);
    console.log(
      JSON.stringify({
        pages: doc.source.pageCount,
        where,
        format: args.format,
        rssBeforeMb: Math.round(startRss / 2 ** 20),
        peakRssMb: Math.round(peak / 2 ** 20),
        cpuS: Number(((used.user + used.system) / 1e6).toFixed(1)),
        wallS: Number(((performance.now() - started) / 1000).toFixed(1)),
        outputKb: Math.round(bytes / 1024),
      }),
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (args.one) {
  await one(args.one);
} else {
  const self = fileURLToPath(import.meta.url);
  const header = ['pages', 'where', 'format', 'RSS before', 'peak RSS', 'CPU s', 'wall s', 'load'];
  console.log(header.join(' | '));
  for (const copies of args.copies.split(',')) {
    for (const where of args['in-process'] ? ['thread', 'main'] : ['thread']) {
      const before = load();
      const run = spawnSync(
        process.execPath,
        [self, '--one', `${copies}:${where}`, '--format', args.format],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const line = run.stdout.trim().split('\n').at(-1) ?? '';
      if (run.status !== 0 || !line.startsWith('{')) {
        console.log(`${copies} copies, ${where}: failed (exit ${run.status})`);
        process.exitCode = 1;
        continue;
      }
      const r = JSON.parse(line) as Record<string, number | string>;
      console.log(
        [
          r.pages,
          r.where,
          r.format,
          `${r.rssBeforeMb} MB`,
          `${r.peakRssMb} MB`,
          r.cpuS,
          r.wallS,
          `${before} -> ${load()}`,
        ].join(' | '),
      );
    }
  }
}
