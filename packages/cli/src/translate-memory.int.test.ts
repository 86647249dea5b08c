import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { corpusFile, requireCorpus } from '@docat/testing';
import { FakeOpenAiServer } from '@docat/translate/testing';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'docat-cli-tm-'));
// The embedded PostgreSQL runs as another user when the tests run as root: it must reach its folder.
chmodSync(work, 0o755);

interface Run {
  status: number | null;
  stderr: string;
  seconds: number;
}

/** Asynchronous, so the fake engine in this process keeps answering while the CLI runs. */
function docat(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [MAIN, ...args],
      { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300_000 },
      (err, _stdout, stderr) => {
        const status = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ status, stderr, seconds: (performance.now() - started) / 1000 });
      },
    );
  });
}

function requestsReported(run: Run): number {
  const match = /(\d+) engine request\(s\)/.exec(run.stderr);
  assert.ok(match, `no request count in:\n${run.stderr}`);
  return Number(match[1]);
}

const corpus = requireCorpus('tracemonkey.pdf');

describe('docat translate --engine openai with translation memory', { skip: corpus.skip }, () => {
  // Requests 1 and 4 are refused with 429 + Retry-After: 1, as a busy provider does.
  const fake = new FakeOpenAiServer({
    key: 'x',
    faults: (n) =>
      n === 1 || n === 4 ? { kind: 'status', status: 429, retryAfter: '1' } : undefined,
  });
  const env = (): NodeJS.ProcessEnv => ({
    OPENAI_BASE_URL: fake.baseURL,
    OPENAI_API_KEY: 'x',
    DOCAT_CLI_DATA_DIR: join(work, 'data'),
  });
  const input = (): string => corpusFile('tracemonkey.pdf');
  const base = ['--to', 'de', '--engine', 'openai', '--pages', '1-2', '--format', 'md'];

  before(async () => {
    await fake.start();
  });
  after(async () => {
    await fake.close();
    rmSync(work, { recursive: true, force: true });
  });

  test('the first run translates through the engine despite 429s; an identical second run sends nothing', async (t) => {
    const first = await docat(['translate', input(), ...base, '--out', join(work, 'first')], env());
    assert.equal(first.status, 0, first.stderr);
    const sent = fake.translationRequests;
    assert.ok(sent > 2, `expected several requests, the fake saw ${sent}`);
    assert.ok(
      fake.requests.some((r) => r.status === 429),
      'the fake refused some requests',
    );
    assert.equal(fake.rejections.length, 0, fake.rejections.join('\n'));
    assert.equal(requestsReported(first), sent);
    const md = readFileSync(join(work, 'first', 'tracemonkey.de.md'), 'utf8');
    assert.match(md, /\[de\] Trace-based Just-in-Time Type Specialization/);

    const second = await docat(
      ['translate', input(), ...base, '--no-cache', '--out', join(work, 'second')],
      env(),
    );
    assert.equal(second.status, 0, second.stderr);
    assert.equal(fake.translationRequests, sent, 'the second run sent requests');
    assert.equal(requestsReported(second), 0);
    assert.equal(readFileSync(join(work, 'second', 'tracemonkey.de.md'), 'utf8'), md);
    t.diagnostic(
      `first run ${first.seconds.toFixed(2)} s, ${sent} requests; second run ${second.seconds.toFixed(2)} s, 0 requests`,
    );
  });

  test('--glossary puts the glossary translation in the output; --no-memory sends again', async () => {
    const terms = join(work, 'terms.csv');
    writeFileSync(terms, 'term,translation\nJavaScript,JavaSkriptSprache\n');
    const before = fake.translationRequests;
    const run = await docat(
      [
        'translate',
        input(),
        ...base,
        '--glossary',
        terms,
        '--no-memory',
        '--out',
        join(work, 'glossary'),
      ],
      env(),
    );
    assert.equal(run.status, 0, run.stderr);
    assert.ok(fake.translationRequests > before, 'a run without memory must ask the engine');
    const md = readFileSync(join(work, 'glossary', 'tracemonkey.de.md'), 'utf8');
    assert.match(md, /JavaSkriptSprache/);
    assert.doesNotMatch(
      md,
      /\[de\][^\n]*\bJavaScript\b/,
      'a glossary term reached the output untranslated',
    );
  });
});
