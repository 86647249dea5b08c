import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { DryRun, Usage } from '@docat/contracts';
import { repoRoot, startCluster, startStandaloneTarget, type Cluster } from '@docat/testing';
import { FakeOpenAiServer } from '@docat/translate/testing';
import { DocatApi } from './docat-api.js';

/**
 * With only an OpenAI-compatible server configured (a local fake speaking its wire
 * format), a job that names no engine is translated by it, in both modes and in the CLI:
 * the engine is decided once at creation by the one rule, and every later step, the job
 * view, the estimate and the usage read it from there.
 */
const SAMPLE = join(repoRoot(), 'examples', 'sample.pdf');
const LAUNCHER = join(repoRoot(), 'packages', 'cli', 'bin', 'docat.js');
const KEY = 'test-openai-key';

const fake = new FakeOpenAiServer({ key: KEY });
const engineEnv = (): Record<string, string> => ({
  OPENAI_API_KEY: KEY,
  OPENAI_BASE_URL: fake.baseURL,
  // The model is offered for these languages only: Japanese is refused at upload.
  OPENAI_LANGUAGES: 'en,de,fr',
});

before(() => fake.start());
after(() => fake.close());

for (const mode of ['cluster', 'standalone'] as const) {
  describe(`the configured engine is the engine used (${mode})`, () => {
    let target: Cluster;
    let api: DocatApi;

    before(async () => {
      target =
        mode === 'cluster'
          ? await startCluster({ env: engineEnv(), replicas: { gateway: 1, extraction: 1 } })
          : await startStandaloneTarget({ env: engineEnv() });
      api = new DocatApi(target.gateways);
      await api.registerFresh();
    });
    after(() => target?.stop());

    test('an upload naming no engine reaches the fake; the job, the estimate and the usage say openai; other languages get 422', async (t) => {
      const engines = await api.request<{ items: { name: string; default: boolean }[] }>(
        'GET',
        '/v1/engines',
      );
      assert.deepEqual(
        engines.body.items.filter((e) => e.default).map((e) => e.name),
        ['openai'],
        JSON.stringify(engines.body),
      );

      const sentBefore = fake.translationRequests;
      const upload = await api.uploadFile(SAMPLE, { outputs: 'md' });
      assert.equal(upload.status, 202, JSON.stringify(upload.body));
      const job = await api.waitFinished(upload.body.id, 120_000);
      assert.equal(job.state, 'completed', JSON.stringify(job));
      assert.equal(job.engine, 'openai');
      assert.ok(
        !job.warnings.some((w) => w.kind === 'pseudo_engine'),
        JSON.stringify(job.warnings),
      );
      const sent = fake.translationRequests - sentBefore;
      assert.ok(sent > 0, 'the fake received no translation request');
      assert.ok(job.billedCharacters > 0, 'a paid engine bills its characters');
      assert.equal(fake.rejections.length, 0, fake.rejections.join('\n'));
      const md = await api.result(job.id, 'md');
      assert.match(md.body, /\[de\]/, "the Markdown holds the fake engine's translation");

      const estimate = await api.request<DryRun>('POST', '/v1/documents?dryRun=true', {
        body: formOf({ targetLanguage: 'fr' }),
      });
      assert.equal(estimate.status, 200, JSON.stringify(estimate.body));
      assert.deepEqual([estimate.body.engine, estimate.body.paidEngine], ['openai', true]);
      assert.ok(estimate.body.translationCharacters > 0);

      const usage = await api.request<Usage>('GET', '/v1/usage');
      assert.equal(usage.status, 200);
      assert.equal(
        usage.body.breakdown.translation.quantity,
        job.billedCharacters,
        JSON.stringify(usage.body.breakdown),
      );

      const refused = await api.uploadFile(SAMPLE, { targetLanguage: 'ja' });
      assert.equal(refused.status, 422, JSON.stringify(refused.body));
      assert.equal(refused.body.code, 'UNSUPPORTED_LANGUAGE');
      const fromSource = await api.uploadFile(SAMPLE, {
        targetLanguage: 'de',
        sourceLanguage: 'ko',
      });
      assert.equal(fromSource.status, 422, JSON.stringify(fromSource.body));
      const list = await api.list();
      assert.equal(list.body.items.length, 1, 'a refused upload creates no job');
      t.diagnostic(`${mode}: the fake received ${sent} translation request(s) for the sample`);
    });
  });
}

function formOf(fields: Record<string, string>): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', new Blob([readFileSync(SAMPLE)], { type: 'application/pdf' }), 'sample.pdf');
  return form;
}

describe('docat translate without --engine', () => {
  const work = mkdtempSync(join(tmpdir(), 'docat-default-engine-'));
  // The CLI's embedded PostgreSQL runs as another user when tests run as root.
  chmodSync(work, 0o755);
  after(() => rmSync(work, { recursive: true, force: true }));

  const run = (args: string[]): Promise<{ status: number; stderr: string }> =>
    new Promise((resolve) => {
      // The launcher npm links as `docat`, as `npx docat` runs it.
      execFile(
        process.execPath,
        [LAUNCHER, ...args],
        {
          encoding: 'utf8',
          env: { ...process.env, ...engineEnv(), DOCAT_CLI_DATA_DIR: join(work, 'data') },
          timeout: 300_000,
        },
        (err, _stdout, stderr) =>
          resolve({ status: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr }),
      );
    });

  test('uses the configured engine, and refuses a language it does not offer before any work', async () => {
    const sentBefore = fake.translationRequests;
    const ok = await run([
      'translate',
      SAMPLE,
      '--to',
      'de',
      '--format',
      'md',
      '--no-memory',
      '--out',
      join(work, 'out'),
    ]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stderr, /Engine: openai/);
    assert.ok(
      fake.translationRequests > sentBefore,
      'the CLI sent nothing to the configured engine',
    );
    assert.match(readFileSync(join(work, 'out', 'sample.de.md'), 'utf8'), /\[de\]/);

    const refused = await run(['translate', SAMPLE, '--to', 'ja', '--out', join(work, 'ja')]);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /UNSUPPORTED_LANGUAGE|cannot translate into 'ja'/);
  });
});
