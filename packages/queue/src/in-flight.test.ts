import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InFlightJobs } from './in-flight.js';

test('drain waits for jobs that finish within the grace period', async () => {
  const jobs = new InFlightJobs();
  let gaveBack = false;
  const run = jobs.run(
    undefined,
    () => new Promise((r) => setTimeout(r, 30)),
    async () => {
      gaveBack = true;
    },
  );
  assert.equal(await jobs.drain(1_000), 0);
  assert.equal(await run, 'done');
  assert.equal(gaveBack, false);
});

test('drain aborts and hands back a job that outlives the grace, even one ignoring its signal', async () => {
  const jobs = new InFlightJobs();
  let signal: AbortSignal | undefined;
  let gaveBack = 0;
  const run = jobs.run(
    undefined,
    (s) => {
      signal = s;
      return new Promise(() => undefined);
    },
    async () => {
      gaveBack++;
    },
  );
  assert.equal(await jobs.drain(20), 1);
  assert.equal(await run, 'returned');
  assert.equal(signal?.aborted, true);
  assert.equal(gaveBack, 1);
});

test('a handler failing after it was reclaimed does not surface its error; jobs claimed after drain are handed back unrun', async () => {
  const jobs = new InFlightJobs();
  const run = jobs.run(
    undefined,
    (s) =>
      new Promise((_, reject) => s.addEventListener('abort', () => reject(new Error('aborted')))),
    async () => undefined,
  );
  await jobs.drain(10);
  assert.equal(await run, 'returned');
  let ran = false;
  const late = await jobs.run(
    undefined,
    async () => {
      ran = true;
    },
    async () => undefined,
  );
  assert.equal(late, 'returned');
  assert.equal(ran, false);
});

test('an external abort reaches the handler signal and a handler error propagates', async () => {
  const jobs = new InFlightJobs();
  const external = new AbortController();
  const run = jobs.run(
    external.signal,
    (s) =>
      new Promise((_, reject) =>
        s.addEventListener('abort', () => reject(new Error('lease lost'))),
      ),
    async () => undefined,
  );
  await new Promise((r) => setImmediate(r));
  external.abort();
  await assert.rejects(run, /lease lost/);
});
