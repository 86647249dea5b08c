import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

interface Panel {
  title: string;
  datasource: { uid: string };
  targets: Array<{ expr: string }>;
}

test('the Grafana dashboard charts every alerted metric from the provisioned data source', () => {
  const dashboard = JSON.parse(
    readFileSync(join(root, 'deploy', 'grafana', 'dashboards', 'docat.json'), 'utf8'),
  ) as { uid: string; panels: Panel[] };
  const datasource = readFileSync(
    join(root, 'deploy', 'grafana', 'provisioning', 'datasources', 'prometheus.yaml'),
    'utf8',
  );
  assert.equal(dashboard.uid, 'docat-overview');
  const exprs = dashboard.panels.flatMap((p) => {
    assert.ok(p.targets.length > 0, `${p.title} has no query`);
    assert.ok(
      datasource.includes(`uid: ${p.datasource.uid}`),
      `${p.title} uses an unprovisioned data source`,
    );
    return p.targets.map((t) => t.expr);
  });
  for (const metric of [
    'docat_http_requests_total',
    'docat_http_request_duration_seconds_bucket',
    'docat_job_duration_seconds_bucket',
    'docat_queue_depth',
    'docat_engine_requests_total',
    'docat_webhook_dead_letters_total',
    'docat_result_cache_lookups_total{result="hit"}',
    'up{job=~"docat-.*"}',
  ])
    assert.ok(
      exprs.some((e) => e.includes(metric)),
      `no panel queries ${metric}`,
    );
});
