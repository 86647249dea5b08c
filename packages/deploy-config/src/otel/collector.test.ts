import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

interface Pipeline {
  receivers: string[];
  processors?: string[];
  exporters: string[];
}

interface CollectorConfig {
  receivers: Record<string, { protocols?: Record<string, { endpoint: string }> }>;
  processors: Record<string, unknown>;
  exporters: Record<string, unknown>;
  extensions?: Record<string, unknown>;
  service: { extensions?: string[]; pipelines: Record<string, Pipeline> };
}

test('the OTel collector config is valid YAML whose pipelines only use components it defines', () => {
  const config = parse(
    readFileSync(join(root, 'deploy', 'otel', 'collector.yaml'), 'utf8'),
  ) as CollectorConfig;
  // The services export OTLP to 4318 (HTTP) or 4317 (gRPC).
  assert.equal(config.receivers.otlp?.protocols?.grpc?.endpoint, '0.0.0.0:4317');
  assert.equal(config.receivers.otlp?.protocols?.http?.endpoint, '0.0.0.0:4318');
  assert.deepEqual(Object.keys(config.service.pipelines).sort(), ['metrics', 'traces']);
  for (const [name, pipeline] of Object.entries(config.service.pipelines)) {
    assert.ok(pipeline.receivers.length > 0 && pipeline.exporters.length > 0, name);
    for (const r of pipeline.receivers)
      assert.ok(r in config.receivers, `${name}: receiver ${r} is defined`);
    for (const p of pipeline.processors ?? [])
      assert.ok(p in config.processors, `${name}: processor ${p} is defined`);
    for (const e of pipeline.exporters)
      assert.ok(e in config.exporters, `${name}: exporter ${e} is defined`);
    // The memory limiter must come first to protect the collector.
    assert.equal(pipeline.processors?.[0], 'memory_limiter', name);
  }
  for (const e of config.service.extensions ?? [])
    assert.ok(e in (config.extensions ?? {}), `extension ${e} is defined`);
  assert.ok(
    config.service.pipelines.traces!.processors!.includes('attributes/scrub'),
    'traces are scrubbed of bodies and credentials',
  );
});
