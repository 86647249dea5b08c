import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { corpusFile, repoRoot, requireAll, requireCorpus, requireTools } from '@docat/testing';
import { fidelityReportSchema } from '@docat/contracts';
import { PseudoEngine } from '@docat/translate';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'docat-cli-'));
after(() => rmSync(work, { recursive: true, force: true }));

function docat(args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, [MAIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, DOCAT_CLI_DATA_DIR: join(work, 'data'), ...env },
    timeout: 300_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function pseudo(text: string, target: string): Promise<string> {
  const engine = new PseudoEngine();
  const out = await engine.translateBatch({ target, segments: [{ id: 's', text }] });
  return out.translations[0]!.text;
}

describe('docat translate', () => {
  test('translates the bundled sample into md, txt and json named <name>.<lang>.<ext>, with its fidelity report', async () => {
    const out = join(work, 'sample');
    const sample = join(repoRoot(), 'examples', 'sample.pdf');
    const run = docat(['translate', sample, '--to', 'de', '--out', out, '--report']);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /pseudo/);
    const md = readFileSync(join(out, 'sample.de.md'), 'utf8');
    assert.match(md, /not a real translation/);
    const title = await pseudo('Translating Documents Without Losing Their Shape', 'de');
    assert.ok(md.includes(`# ${title}`), `title heading missing in:\n${md.slice(0, 400)}`);
    const txt = readFileSync(join(out, 'sample.de.txt'), 'utf8');
    assert.ok(txt.includes(title));
    // The same json a job gives: the source layout, and each block's translation beside it.
    const json = JSON.parse(readFileSync(join(out, 'sample.de.json'), 'utf8')) as {
      document: { pageCount: number; pages: unknown[] };
      translation: { engine: string; blocks: { text: string }[] };
    };
    assert.equal(json.document.pageCount, 3);
    assert.equal(json.document.pages.length, 3);
    assert.equal(json.translation.engine, 'pseudo');
    assert.ok(json.translation.blocks.some((b) => b.text === title));
    // The report reads back the translated PDF.
    const report = fidelityReportSchema.parse(
      JSON.parse(readFileSync(join(out, 'sample.de.report.json'), 'utf8')),
    );
    assert.equal(report.measuredOn, 'pdf');
    assert.deepEqual(
      report.pages.map((p) => p.page),
      [1, 2, 3],
    );
    assert.ok(
      report.summary.words > 50 && report.summary.coverage > 0.95,
      JSON.stringify(report.summary),
    );
    assert.match(run.stderr, /Fidelity: \d+\.\d% of \d+ prose words translated/u);
  });

  const tracemonkey = requireCorpus('tracemonkey.pdf');
  test(
    'translates tracemonkey.pdf: title and both columns come out',
    { skip: tracemonkey.skip },
    async () => {
      const out = join(work, 'tm');
      const run = docat([
        'translate',
        corpusFile('tracemonkey.pdf'),
        '--to',
        'ja',
        '--format',
        'md,json',
        '--out',
        out,
        '--pages',
        '1-2',
      ]);
      assert.equal(run.status, 0, run.stderr);
      const md = readFileSync(join(out, 'tracemonkey.ja.md'), 'utf8');
      const title = await pseudo(
        'Trace-based Just-in-Time Type Specialization for Dynamic Languages',
        'ja',
      );
      assert.ok(md.includes(title), 'pseudo-translated title missing');
      // Math runs of the source (the raised author marks) come back as marks on the
      // translations: what the PDF renderer sets their pieces by.
      const json = JSON.parse(readFileSync(join(out, 'tracemonkey.ja.json'), 'utf8')) as {
        document: { pages: { blocks: { id: string; marks?: unknown[] }[] }[] };
        translation: { blocks: { id: string; text: string; marks?: { end: number }[] }[] };
      };
      const styled = new Set(
        json.document.pages
          .flatMap((p) => p.blocks)
          .filter((b) => (b.marks?.length ?? 0) > 0)
          .map((b) => b.id),
      );
      const marked = json.translation.blocks.filter(
        (b) => styled.has(b.id) && (b.marks?.length ?? 0) > 0,
      );
      assert.ok(styled.size > 0 && marked.length > 0, `${marked.length} of ${styled.size}`);
      for (const b of marked) for (const m of b.marks!) assert.ok(m.end <= b.text.length);
      assert.equal(
        existsSync(join(out, 'tracemonkey.ja.txt')),
        false,
        'only the asked formats are written',
      );
    },
  );

  const pdfTools = requireAll(tracemonkey, requireTools('pdfinfo', 'pdftotext'));
  test(
    '--pages: the translated and bilingual PDFs hold only the selected pages',
    { skip: pdfTools.skip },
    () => {
      const out = join(work, 'tm-pages');
      const run = docat([
        'translate',
        corpusFile('tracemonkey.pdf'),
        '--to',
        'de',
        '--format',
        'pdf,dual',
        '--out',
        out,
        '--pages',
        '2-3',
        '--no-memory',
      ]);
      assert.equal(run.status, 0, run.stderr);
      const info = (file: string): string =>
        execFileSync('pdfinfo', [join(out, file)], { encoding: 'utf8' });
      assert.match(info('tracemonkey.de.pdf'), /^Pages:\s+2$/mu);
      assert.match(info('tracemonkey.de.dual.pdf'), /^Pages:\s+2$/mu);
      assert.match(info('tracemonkey.de.dual.pdf'), /^Page size:\s+1224 x 792 pts/mu);
      // Source page 2 comes first: its program listing stays untranslated, on both sides.
      const first = (file: string): string =>
        execFileSync('pdftotext', ['-f', '1', '-l', '1', join(out, file), '-'], {
          encoding: 'utf8',
        });
      assert.ok(first('tracemonkey.de.pdf').includes('for (var i = 2; i < 100; ++i) {'));
      assert.equal(
        first('tracemonkey.de.dual.pdf').split('for (var i = 2; i < 100; ++i) {').length - 1,
        2,
      );
    },
  );

  test('--help lists every flag of the upload contract', () => {
    const run = docat(['translate', '--help']);
    assert.equal(run.status, 0);
    for (const flag of [
      '--to',
      '--source',
      '--engine',
      '--format',
      '--out',
      '--pages',
      '--password',
      '--dual-mode',
      '--glossary',
      '--data-dir',
      '--no-headers-footers',
      '--no-references',
      '--no-tables',
      '--figure-text',
      '--report',
    ]) {
      assert.ok(run.stdout.includes(flag), flag);
    }
  });
});

describe('docat failures print the error code and exit non-zero', () => {
  const req = requireCorpus('empty.pdf', 'not-a-pdf.pdf', 'bug1020226.pdf');
  const cases: [string, string, number][] = [
    ['empty.pdf', 'EMPTY_FILE', 3],
    ['not-a-pdf.pdf', 'UNSUPPORTED_MEDIA_TYPE', 3],
    ['bug1020226.pdf', 'PDF_CORRUPT', 3],
  ];
  for (const [file, code, status] of cases) {
    test(`${file} -> ${code}`, { skip: req.skip }, () => {
      const run = docat(['translate', corpusFile(file), '--to', 'de', '--out', join(work, 'bad')]);
      assert.equal(run.status, status, run.stderr);
      assert.match(run.stderr, new RegExp(`error ${code}\\b`));
    });
  }

  test('an unconfigured engine fails ENGINE_UNAVAILABLE before any work', () => {
    const sample = join(repoRoot(), 'examples', 'sample.pdf');
    const run = docat(
      ['translate', sample, '--to', 'de', '--engine', 'deepl', '--out', join(work, 'x')],
      { DEEPL_AUTH_KEY: '' },
    );
    assert.notEqual(run.status, 0);
    assert.match(
      run.stderr,
      /error ENGINE_UNAVAILABLE: engine deepl is not configured \(it needs DEEPL_AUTH_KEY\)/,
    );
    assert.equal(existsSync(join(work, 'x')), false);
  });

  test('a bad language is a usage error', () => {
    const run = docat(['translate', join(repoRoot(), 'examples', 'sample.pdf'), '--to', 'xx']);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /error VALIDATION_FAILED/);
  });
});

describe('docat extract', () => {
  test('prints the sample as plain text in reading order', () => {
    const run = docat(['extract', join(repoRoot(), 'examples', 'sample.pdf'), '--pages', '1']);
    assert.equal(run.status, 0, run.stderr);
    const text = run.stdout;
    const a = text.indexOf('Translating Documents Without Losing Their Shape');
    const b = text.indexOf('1. Why layout matters');
    const c = text.indexOf('2. What you get back');
    assert.ok(a >= 0 && a < b && b < c, text.slice(0, 300));
    assert.ok(!text.includes('Supported outputs'), 'page 2 must not be extracted with --pages 1');
  });

  test('--out naming a folder writes <name>.<format> into it', () => {
    const dir = join(work, 'extract-out');
    const sample = join(repoRoot(), 'examples', 'sample.pdf');
    const first = docat(['extract', sample, '--pages', '1', '--format', 'md', '--out', `${dir}/`]);
    assert.equal(first.status, 0, first.stderr);
    assert.match(readFileSync(join(dir, 'sample.md'), 'utf8'), /^# Translating Documents/m);
    // The folder now exists: named without the separator, it still receives the file.
    const second = docat(['extract', sample, '--pages', '1', '--format', 'txt', '--out', dir]);
    assert.equal(second.status, 0, second.stderr);
    assert.match(readFileSync(join(dir, 'sample.txt'), 'utf8'), /Translating Documents/);
  });

  test('loads no schema library and no other command: its process stays small while the sandbox works', () => {
    const hook = join(work, 'module-log.mjs');
    const log = join(work, 'modules.log');
    writeFileSync(
      hook,
      `import { registerHooks } from 'node:module';
import { appendFileSync } from 'node:fs';
registerHooks({ load(url, context, next) { appendFileSync(${JSON.stringify(log)}, url + '\\n'); return next(url, context); } });
`,
    );
    const run = docat(['extract', join(repoRoot(), 'examples', 'sample.pdf'), '--pages', '1'], {
      NODE_OPTIONS: `--import ${pathToFileURL(hook).href}`,
    });
    assert.equal(run.status, 0, run.stderr);
    const loaded = readFileSync(log, 'utf8').split('\n');
    assert.ok(loaded.some((url) => url.endsWith('/extract.command.js')));
    assert.deepEqual(
      loaded.filter((url) =>
        /\/zod\/|\/contracts\/dist\/index\.js$|\/config\/dist\/|translate\.command\.js$|admin\.js$/.test(
          url,
        ),
      ),
      [],
    );
  });
});
