import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  freePort,
  spawnStandalone,
  stopStandalone,
  waitReady,
} from './standalone-process.fixture.js';

let dataDir: string;
before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'docat-start-up-'));
});
after(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** What the process wrote until it was ready (and a moment after, for the engine check). */
async function startUp(env: Record<string, string>): Promise<string> {
  const proc = spawnStandalone(dataDir, await freePort(), env);
  try {
    await waitReady(proc);
    await new Promise((resolve) => setTimeout(resolve, 300));
    return proc.output();
  } finally {
    assert.equal(await stopStandalone(proc), 0, proc.output().slice(-2000));
  }
}

test('the short form: the ready block and no JSON, where a person reads it', async () => {
  const output = await startUp({ LOG_FORMAT: 'text' });
  const lines = output.trimEnd().split('\n');
  assert.doesNotMatch(output, /"level":/u, output.slice(0, 2000));
  assert.match(output, /docat standalone ready on http:\/\/127\.0\.0\.1:\d+/u);
  assert.match(output, /web app: http:\/\/127\.0\.0\.1:\d+\//u);
  assert.match(output, /log: warnings and errors only \(\d+ start-up lines left out\)/u);
  // The first start also names its migrations; everything else is the ready block.
  const rest = lines.filter((line) => !line.startsWith('migrated '));
  assert.ok(rest.length <= 12, `${rest.length} lines:\n${rest.join('\n')}`);
});

test('JSON lines when standard output is not a terminal, or LOG_FORMAT=json', async () => {
  const envs: Record<string, string>[] = [{}, { LOG_FORMAT: 'json' }];
  for (const env of envs) {
    const output = await startUp(env);
    assert.match(output, /^\{"level":"info".*"msg":/mu, JSON.stringify(env));
    assert.match(output, /docat standalone ready on/u);
    assert.doesNotMatch(output, /warnings and errors only/u);
  }
});
