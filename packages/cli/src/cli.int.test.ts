import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { corpusFile, repoRoot, requireAll, requireCorpus, requireTools } from '@docat/testing';
import { fidelityReportSchema } from '@docat/contracts';
import { PseudoEngine } from '@docat/translate';
import { FakeDeepLServer } from '@docat/translate/testing';

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

/** `docat` without blocking this process: the tests' provider server runs in it and must answer. */
function docatAsync(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ status: number | null; stderr: string }> {
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: { ...process.env, DOCAT_CLI_DATA_DIR: join(work, 'data'), ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stderr }));
  });
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

  test('docat --help starts a new user off: examples, and what happens without an engine key', () => {
    const run = docat(['--help']);
    assert.equal(run.status, 0);
    assert.match(run.stdout, /^Examples:\n {2}docat translate paper\.pdf --to de/mu);
    assert.match(run.stdout, /Without an engine key the translation is pseudo/u);
    assert.match(run.stdout, /DEEPL_AUTH_KEY or OPENAI_API_KEY/u);
  });

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

  test('a bad language is a usage error naming the flag and the known codes', () => {
    const run = docat(['translate', join(repoRoot(), 'examples', 'sample.pdf'), '--to', 'xx']);
    assert.equal(run.status, 2);
    assert.match(
      run.stderr,
      /^error VALIDATION_FAILED: --to: unknown language 'xx' \(known: en, de, fr, .*zh-Hant.*\)$/mu,
    );
    const format = docat([
      'translate',
      join(repoRoot(), 'examples', 'sample.pdf'),
      '--to',
      'de',
      '--format',
      'docx',
    ]);
    assert.equal(format.status, 2);
    assert.match(
      format.stderr,
      /^error VALIDATION_FAILED: --format: unknown output format 'docx'/mu,
    );
  });

  test('a missing file says it does not exist', () => {
    const run = docat(['translate', join(work, 'nothere.pdf'), '--to', 'de']);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /^error VALIDATION_FAILED: .*nothere\.pdf does not exist$/mu);
  });

  const locked = requireCorpus('print_protection.pdf', 'empty_protected.pdf');
  test(
    'a locked PDF names --password; a copy-protected one names the ways to lift it, and RESPECT_PDF_PERMISSIONS=false does',
    { skip: locked.skip },
    () => {
      const out = join(work, 'locked');
      const needsPassword = docat([
        'translate',
        corpusFile('print_protection.pdf'),
        '--to',
        'de',
        '--out',
        out,
      ]);
      assert.equal(needsPassword.status, 3, needsPassword.stderr);
      assert.match(
        needsPassword.stderr,
        /^error PDF_PASSWORD_REQUIRED: .*\nhint: give its password with --password <password>$/mu,
      );
      const args = [
        'translate',
        corpusFile('empty_protected.pdf'),
        '--to',
        'de',
        '--format',
        'md',
        '--out',
        out,
        '--no-memory',
      ];
      const refused = docat(args);
      assert.equal(refused.status, 3, refused.stderr);
      assert.match(
        refused.stderr,
        /^error PDF_COPY_PROTECTED: .*\nhint: .*--password.*RESPECT_PDF_PERMISSIONS=false$/mu,
      );
      const allowed = docat(args, { RESPECT_PDF_PERMISSIONS: 'false' });
      assert.equal(allowed.status, 0, allowed.stderr);
      assert.ok(existsSync(join(out, 'empty_protected.de.md')));
      const wrong = docat(args, { RESPECT_PDF_PERMISSIONS: 'maybe' });
      assert.equal(wrong.status, 2);
      assert.match(wrong.stderr, /RESPECT_PDF_PERMISSIONS must be true or false, not 'maybe'/u);
    },
  );
});

describe('docat translate with an engine configured by its key (against the DeepL test server)', () => {
  const deepl = new FakeDeepLServer();
  before(() => deepl.start());
  after(() => deepl.close());
  const sample = join(repoRoot(), 'examples', 'sample.pdf');

  test('the key alone selects the engine, and the summary says so; --engine pseudo overrides it', async () => {
    const out = join(work, 'deepl-ok');
    const env = { DEEPL_AUTH_KEY: 'test-deepl-key:fx', DEEPL_SERVER_URL: deepl.url };
    const run = await docatAsync(
      [
        'translate',
        sample,
        '--to',
        'de',
        '--format',
        'md',
        '--out',
        out,
        '--no-memory',
        '--pages',
        '1',
      ],
      env,
    );
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /^Engine: deepl \(deepl-v2\), chosen by its configuration/mu);
    assert.match(run.stderr, /^1 of 3 page\(s\), /mu);
    assert.match(
      readFileSync(join(out, 'sample.de.md'), 'utf8'),
      /^# \[de\] Translating Documents/mu,
    );
    const pseudoRun = await docatAsync(
      [
        'translate',
        sample,
        '--to',
        'de',
        '--format',
        'md',
        '--out',
        join(work, 'deepl-override'),
        '--no-memory',
        '--engine',
        'pseudo',
      ],
      env,
    );
    assert.equal(pseudoRun.status, 0, pseudoRun.stderr);
    assert.match(pseudoRun.stderr, /^Engine: pseudo \(offline pseudo-localisation/mu);
  });

  test('a key the provider refuses fails ENGINE_AUTH before the document is read, with the variable to check, no stack', async () => {
    const before = deepl.translationRequests;
    const started = Date.now();
    const run = await docatAsync(
      [
        'translate',
        sample,
        '--to',
        'de',
        '--format',
        'md',
        '--out',
        join(work, 'deepl-bad'),
        '--no-memory',
        '--pages',
        '1',
      ],
      { DEEPL_AUTH_KEY: 'wrong-key:fx', DEEPL_SERVER_URL: deepl.url },
    );
    assert.equal(run.status, 1);
    assert.match(
      run.stderr,
      /^error ENGINE_AUTH: deepl refused its key \(DEEPL_AUTH_KEY\): deepl: .*401/mu,
    );
    assert.match(run.stderr, /^hint: deepl refused its key: check DEEPL_AUTH_KEY/mu);
    assert.doesNotMatch(run.stderr, /\n\s+at /u);
    assert.equal(existsSync(join(work, 'deepl-bad')), false);
    // Found by its usage call while extraction started: no batch was sent.
    assert.equal(deepl.translationRequests, before, 'no translation request was sent');
    assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms`);
  });

  test('a provider that takes the connection and never answers fails ENGINE_TIMEOUT by its deadline, naming its host', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const started = Date.now();
    try {
      const run = await docatAsync(
        [
          'translate',
          sample,
          '--to',
          'de',
          '--format',
          'md',
          '--out',
          join(work, 'deepl-silent'),
          '--no-memory',
          '--pages',
          '1',
        ],
        {
          DEEPL_AUTH_KEY: 'test-deepl-key:fx',
          DEEPL_SERVER_URL: `http://127.0.0.1:${port}`,
          ENGINE_RESPONSE_TIMEOUT: '1s',
          ENGINE_RESPONSE_TIME_PER_1000_CHARS: '100ms',
          ENGINE_DEADLINE: '3s',
        },
      );
      const took = Date.now() - started;
      assert.equal(run.status, 1, run.stderr);
      assert.match(
        run.stderr,
        new RegExp(
          `^error ENGINE_TIMEOUT: .*no answer from 127\\.0\\.0\\.1:${port} in 1(\\.\\d)? s`,
          'mu',
        ),
      );
      assert.match(run.stderr, /^hint: deepl did not answer in time/mu);
      // Its language list and key check wait 5 s each at most, side by side with extraction;
      // the batch then gets its 3 s deadline. Before: five attempts of a minute each.
      assert.ok(took < 25_000, `took ${took} ms`);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  test('a server that is down fails ENGINE_UNAVAILABLE after bounded retries, each one said', async () => {
    // A port that was just free: nothing listens on it.
    const closed = new FakeDeepLServer();
    await closed.start();
    const url = closed.url;
    await closed.close();
    const started = Date.now();
    const run = await docatAsync(
      [
        'translate',
        sample,
        '--to',
        'de',
        '--format',
        'md',
        '--out',
        join(work, 'deepl-down'),
        '--no-memory',
        '--pages',
        '1',
      ],
      { DEEPL_AUTH_KEY: 'test-deepl-key:fx', DEEPL_SERVER_URL: url },
    );
    assert.equal(run.status, 1);
    assert.match(run.stderr, /^error ENGINE_UNAVAILABLE: .*ECONNREFUSED/mu);
    assert.match(run.stderr, /^hint: deepl could not be reached .*DEEPL_SERVER_URL/mu);
    assert.equal(
      run.stderr.match(/^deepl: request failed.*; trying again$/gmu)?.length,
      4,
      run.stderr,
    );
    assert.ok(Date.now() - started < 120_000, 'retries are bounded');
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

  // The configuration's true/false words (`@docat/config/truth`, no imports) are allowed: not its schema.
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
        /\/zod\/|\/contracts\/dist\/index\.js$|\/config\/dist\/(?!truth\.js$)|translate\.command\.js$|admin\.js$/.test(
          url,
        ),
      ),
      [],
    );
  });
});
