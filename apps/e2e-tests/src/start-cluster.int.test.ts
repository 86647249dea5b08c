import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkServices,
  corpusFile,
  freePort,
  freshDatabase,
  freshRedisPrefix,
  repoRoot,
  requireCorpus,
  type FreshDatabase,
  type FreshRedisPrefix,
} from '@docat/testing';
import { DocatApi } from './docat-api.js';

const corpus = requireCorpus('standard_fonts.pdf');

describe(
  'npm run start:cluster: six processes on one machine, filesystem storage',
  { skip: corpus.skip },
  () => {
    let database: FreshDatabase;
    let redis: FreshRedisPrefix;
    let dataDir: string;
    let script: ChildProcess;
    let exited: Promise<number | null>;
    let output = '';
    let port: number;
    let managementPort: number;

    before(async () => {
      await checkServices();
      database = await freshDatabase();
      redis = freshRedisPrefix();
      dataDir = await mkdtemp(join(tmpdir(), 'docat-start-cluster-'));
      port = await freePort();
      managementPort = await freePort();
      script = spawn(process.execPath, [join(repoRoot(), 'scripts', 'start-cluster.mjs')], {
        cwd: repoRoot(),
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? tmpdir(),
          NODE_ENV: 'test',
          DATABASE_URL: database.url,
          DATABASE_POOL_MAX: '5',
          REDIS_URL: redis.url,
          REDIS_KEY_PREFIX: redis.prefix.replace(/:$/, ''),
          DOCAT_DATA_DIR: dataDir,
          PORT: String(port),
          MANAGEMENT_PORT: String(managementPort),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      script.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      script.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      exited = new Promise((resolve) => script.once('exit', (code) => resolve(code)));
    });

    after(async () => {
      if (script && script.exitCode === null && script.signalCode === null) {
        script.kill('SIGTERM');
        await exited;
      }
      await database?.drop().catch(() => undefined);
      await redis?.cleanup().catch(() => undefined);
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    test('the gateway management port answers /readyz once the script says ready', async () => {
      const started = Date.now();
      let exitCode: number | null | undefined;
      void exited.then((code) => (exitCode = code));
      while (!output.includes('ready on http://127.0.0.1:')) {
        assert.equal(exitCode, undefined, `the script exited early:\n${output.slice(-3000)}`);
        assert.ok(Date.now() - started < 150_000, `not ready in time:\n${output.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      console.log(`start:cluster ready in ${Date.now() - started} ms`);
      const ready = await fetch(`http://127.0.0.1:${managementPort}/readyz`);
      assert.equal(ready.status, 200, await ready.text());
      for (const app of [
        'migrate',
        'auth',
        'ingestion',
        'extraction',
        'translation',
        'notification',
        'gateway',
      ])
        assert.match(
          output,
          new RegExp(`^${app} +\\| `, 'm'),
          `lines of ${app} are prefixed with its name`,
        );
      assert.match(output, /filesystem storage in /);
    });

    test('an upload goes through to completed and its result downloads', async () => {
      const api = new DocatApi([`http://127.0.0.1:${port}`]);
      await api.registerFresh();
      const upload = await api.uploadFile(corpusFile('standard_fonts.pdf'));
      assert.equal(upload.status, 202, JSON.stringify(upload.body));
      const job = await api.waitFinished(upload.body.id, 90_000);
      assert.equal(job.state, 'completed', JSON.stringify(job.error));
      const md = await api.result(upload.body.id, 'md');
      assert.equal(md.status, 200);
      assert.ok(md.body.length > 0);
      assert.ok(existsSync(join(dataDir, 'objects')), 'objects are stored in the data folder');
    });

    test('SIGTERM stops every process and the script exits 0', async () => {
      script.kill('SIGTERM');
      const code = await exited;
      assert.equal(code, 0, output.slice(-3000));
      const trouble = output
        .split('\n')
        .filter((line) =>
          /did not stop cleanly|shutdown exceeded|shutdown failed|exited with/.test(line),
        );
      assert.deepEqual(trouble, [], 'every process stops cleanly on SIGTERM');
      await assert.rejects(
        fetch(`http://127.0.0.1:${managementPort}/readyz`),
        'the gateway stopped listening',
      );
      await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`));
    });
  },
);
