import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registry } from './metrics.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const SERIES_SUFFIXES = ['_bucket', '_sum', '_count'];

/** Every `docat_*` series name a file mentions. */
function namesIn(text: string): Set<string> {
  return new Set(text.match(/\bdocat_[a-z0-9_]+/g) ?? []);
}

/** The family a series belongs to: a histogram's `_bucket`, `_sum` and `_count` are its own. */
function familyOf(series: string, families: Set<string>): string | undefined {
  if (families.has(series)) return series;
  const suffix = SERIES_SUFFIXES.find((s) => series.endsWith(s));
  const base = suffix ? series.slice(0, -suffix.length) : undefined;
  return base && families.has(base) ? base : undefined;
}

test('the dashboard, the alert rules and their tests only name metrics the registry serves', () => {
  const families = new Set(registry.getMetricsAsArray().map((m) => m.name));
  const files = [
    'deploy/grafana/dashboards/docat.json',
    'deploy/prometheus/alerts.yml',
    'deploy/prometheus/alerts.test.yml',
  ];
  let checked = 0;
  for (const file of files) {
    const names = namesIn(readFileSync(join(root, file), 'utf8'));
    assert.ok(names.size > 0, `${file} names no docat_ metric`);
    const unknown = [...names].filter((n) => familyOf(n, families) === undefined);
    assert.deepEqual(unknown, [], `${file} names metrics nothing registers`);
    checked += names.size;
  }
  assert.ok(checked >= 20, `checked ${checked} names`);
  // The check itself catches a misspelt name.
  assert.equal(familyOf('docat_queue_dpth', families), undefined);
  assert.equal(
    familyOf('docat_job_duration_seconds_bucket', families),
    'docat_job_duration_seconds',
  );
});

test('the dashboard charts every family of the metrics list', () => {
  const charted = new Set(
    [...namesIn(readFileSync(join(root, 'deploy/grafana/dashboards/docat.json'), 'utf8'))].map(
      (n) => n.replace(/_(bucket|sum|count)$/, ''),
    ),
  );
  const docat = registry
    .getMetricsAsArray()
    .map((m) => m.name)
    // Node runtime internals (event loop, heap spaces, GC) are left to a generic Node dashboard.
    .filter((name) => !/^docat_(nodejs_|process_(?!resident_memory_bytes))/.test(name));
  const missing = docat.filter((name) => !charted.has(name));
  assert.deepEqual(missing, [], 'families without a panel');
});
