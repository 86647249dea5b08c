import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { repoRoot } from '@docat/testing';
import { chaosTable, killReplica, referenceRun, runScenario, startChaosSystem, type ChaosSystem, type Reference } from '../load/chaos.js';

/**
 * The bounded smoke version of `npm run chaos`: on a cluster with its own Redis and
 * PostgreSQL, a worker killed with SIGKILL and Redis restarted while jobs run. Every job
 * must end completed, in its owner's history, charged once as much as the undisturbed run,
 * with the same outputs byte for byte.
 */
const SAMPLE = join(repoRoot(), 'examples', 'sample.pdf');

describe('faults while jobs run (smoke)', { timeout: 240_000 }, () => {
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
        name: 'kill -9 of an extraction worker mid-job',
        jobs: 4,
        async fault(ctx) {
          await ctx.waitForStage('extract');
          return killReplica(ctx, 'extraction');
        },
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
    for (const r of results) {
      assert.equal(r.submitted, 4, `${r.name}: every upload accepted (${JSON.stringify(r.refused)})`);
      assert.deepEqual(
        { completed: r.completed, unfinished: r.unfinished, lost: r.lost, chargedTwice: r.chargedTwice, chargedWrong: r.chargedWrong, outputsDiffer: r.outputsDiffer },
        { completed: 4, unfinished: 0, lost: 0, chargedTwice: 0, chargedWrong: 0, outputsDiffer: 0 },
        `${r.name}: ${r.notes.join('; ')}`,
      );
    }
    assert.ok(reference.credits > 0, 'the undisturbed run was charged');
  });
});
