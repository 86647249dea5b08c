import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireTools } from '@docat/testing';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const dir = join(root, 'deploy', 'prometheus');
const req = requireTools('promtool');

function promtool(args: string[], cwd = dir): { status: number | null; output: string } {
  const run = spawnSync('promtool', args, { cwd, encoding: 'utf8', timeout: 20_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

const scratch = mkdtempSync(join(tmpdir(), 'docat-promtool-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('Prometheus rules', () => {
  test(
    'promtool check rules accepts alerts.yml with every alert of the design',
    { skip: req.skip },
    () => {
      const run = promtool(['check', 'rules', 'alerts.yml']);
      assert.equal(run.status, 0, run.output);
      assert.match(run.output, /SUCCESS: 7 rules found/);
      const rules = readFileSync(join(dir, 'alerts.yml'), 'utf8');
      for (const metric of [
        'docat_http_requests_total',
        'docat_job_duration_seconds_bucket',
        'docat_queue_depth',
        'up{job=~"docat-.*"}',
        'docat_engine_requests_total',
        'docat_webhook_dead_letters_total',
        'docat_queue_oldest_waiting_age_seconds',
      ])
        assert.ok(rules.includes(metric), metric);
    },
  );

  test('promtool test rules passes alerts.test.yml', { skip: req.skip }, () => {
    const run = promtool(['test', 'rules', 'alerts.test.yml']);
    assert.equal(run.status, 0, run.output);
    assert.match(run.output, /SUCCESS/);
  });

  test('the unit tests catch a broken threshold', { skip: req.skip }, () => {
    const rules = readFileSync(join(dir, 'alerts.yml'), 'utf8').replace(
      'max by (queue) (docat_queue_depth) > 50',
      'max by (queue) (docat_queue_depth) > 500',
    );
    writeFileSync(join(scratch, 'alerts.yml'), rules);
    copyFileSync(join(dir, 'alerts.test.yml'), join(scratch, 'alerts.test.yml'));
    const run = promtool(['test', 'rules', 'alerts.test.yml'], scratch);
    assert.notEqual(run.status, 0);
    assert.match(run.output, /DocatQueueBacklog/);
  });

  test('promtool check config accepts prometheus.yml', { skip: req.skip }, () => {
    // The config names the rule file by its path inside the container.
    const config = readFileSync(join(dir, 'prometheus.yml'), 'utf8').replace(
      '/etc/prometheus/alerts.yml',
      'alerts.yml',
    );
    writeFileSync(join(scratch, 'prometheus.yml'), config);
    copyFileSync(join(dir, 'alerts.yml'), join(scratch, 'alerts.yml'));
    const run = promtool(['check', 'config', 'prometheus.yml'], scratch);
    assert.equal(run.status, 0, run.output);
  });
});
