import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { repoRoot } from '@docat/testing';
import {
  chaosTable,
  killHolder,
  referenceRun,
  runScenario,
  startChaosSystem,
  type ChaosSystem,
  type Reference,
} from '../load/chaos.js';

/**
 * The bounded smoke version of `npm run chaos`: on a cluster with its own Redis and
 * PostgreSQL, an extraction worker killed with SIGKILL while the jobs table shows it holding
 * a chunk, and Redis restarted while jobs run. Every job must end completed, in its owner's
 * history, charged once as much as the undisturbed run, with the same outputs byte for
 * byte; the killed worker's chunk must have been granted to another run exactly once.
 */
const SAMPLE = join(repoRoot(), 'examples', 'sample.pdf');

describe('faults while jobs run (smoke)', { timeout: 360_000 }, () => {
  let system: ChaosSystem;
  let reference: Reference;

  before(async () => {
    system = await startChaosSystem((line) => console.log(line));
    reference = await referenceRun(system, SAMPLE);
  });
  after(() => system?.stop());

  test('kill -9 of an extraction worker, then a Redis restart: nothing lost, run twice or charged twice', async () => {
    const results = [];
    results.push(
      await runScenario(system, reference, SAMPLE, {
        name: 'kill -9 of an extraction worker holding a chunk',
        jobs: 4,
        faultDuringUploads: true,
        fault: (ctx) => killHolder(ctx, 'extraction', 'extract'),
      }),
    );
    results.push(
      await runScenario(system, reference, SAMPLE, {
        name: 'Redis restarted (append-only file)',
        jobs: 4,
        async fault(ctx) {
          await ctx.waitForStage();
          await ctx.system.redis.restart({ signal: 'SIGTERM', keepData: true, downMs: 1_000 });
          return 'Redis restarted';
        },
      }),
    );
    console.log(chaosTable(results));
    for (const r of results) for (const note of r.notes) console.log(`${r.name}: ${note}`);
    const [kill] = results[0]!.kills;
    assert.ok(kill, 'a worker was killed while it held a chunk');
    assert.equal(
      kill.runsAgain,
      1,
      `the extract step of job ${kill.step.jobId} chunk ${kill.step.chunk}, held by ${kill.replica} when it was killed, was granted again exactly once`,
    );
    assert.ok(results[0]!.stepRunsAgain >= 1, 'step runs counted "again" in the metrics');
    for (const r of results) {
      assert.equal(
        r.submitted,
        4,
        `${r.name}: every upload accepted (${JSON.stringify(r.refused)})`,
      );
      assert.deepEqual(
        {
          completed: r.completed,
          unfinished: r.unfinished,
          lost: r.lost,
          chargedTwice: r.chargedTwice,
          chargedWrong: r.chargedWrong,
          outputsDiffer: r.outputsDiffer,
        },
        {
          completed: 4,
          unfinished: 0,
          lost: 0,
          chargedTwice: 0,
          chargedWrong: 0,
          outputsDiffer: 0,
        },
        `${r.name}: ${r.notes.join('; ')}`,
      );
    }
    assert.ok(reference.credits > 0, 'the undisturbed run was charged');
  });
});
