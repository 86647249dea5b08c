import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVICES } from '@docat/contracts';
import { validateCompose } from './compose-schema.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const text = readFileSync(join(root, 'docker-compose.yml'), 'utf8');

interface ComposeService {
  build?: { dockerfile?: string; args?: Record<string, string> };
  command?: string[];
  env_file?: string[];
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  healthcheck?: { test?: string[]; disable?: boolean };
  read_only?: boolean;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
}

describe('docker-compose.yml', () => {
  const result = validateCompose(text);
  const compose = result.document as ComposeFile;
  const services = compose.services;

  test('validates against the compose specification schema', () => {
    assert.deepEqual(result.errors, []);
    assert.equal(result.valid, true);
  });

  test('builds each of the six services from deploy/Dockerfile with its APP', () => {
    for (const name of Object.values(SERVICES)) {
      const svc = services[name];
      assert.ok(svc, `no compose service ${name}`);
      assert.equal(svc.build?.dockerfile, 'deploy/Dockerfile');
      assert.equal(svc.build?.args?.['APP'], name);
      assert.deepEqual(svc.env_file, ['.env.example']);
      assert.equal(svc.read_only, true, name);
      assert.ok(
        svc.healthcheck?.test?.join(' ').includes('9090'),
        `${name} healthcheck on the management port`,
      );
      assert.equal(svc.depends_on?.['migrate']?.condition, 'service_completed_successfully', name);
      assert.equal(
        svc.depends_on?.['minio-init']?.condition,
        'service_completed_successfully',
        name,
      );
      assert.equal(svc.depends_on?.['redis']?.condition, 'service_healthy', name);
    }
    assert.ok(existsSync(join(root, 'deploy', 'Dockerfile')));
    assert.ok(
      existsSync(join(root, '.env.example')),
      'the config package writes .env.example at the root',
    );
  });

  test('start order is health-gated and every dependency exists', () => {
    for (const [name, svc] of Object.entries(services)) {
      for (const [dep, { condition }] of Object.entries(svc.depends_on ?? {})) {
        const target = services[dep];
        assert.ok(target, `${name} depends on missing ${dep}`);
        if (condition === 'service_healthy')
          assert.ok(
            target.healthcheck?.test,
            `${name} waits for ${dep} to be healthy, which has no healthcheck`,
          );
      }
    }
    assert.deepEqual(services['migrate']?.command, ['node', 'packages/database/dist/migrate.js']);
    assert.equal(services['migrate']?.depends_on?.['postgres']?.condition, 'service_healthy');
  });

  test('queue Redis never evicts; the cache Redis does', () => {
    assert.ok(services['redis']?.command?.join(' ').includes('--maxmemory-policy noeviction'));
    assert.ok(
      services['redis-cache']?.command?.join(' ').includes('--maxmemory-policy allkeys-lru'),
    );
    assert.ok(services['pgbouncer'], 'PgBouncer in front of PostgreSQL');
    for (const store of [
      'postgres',
      'minio',
      'minio-init',
      'otel-collector',
      'prometheus',
      'grafana',
    ])
      assert.ok(services[store], store);
  });

  test('mounted configuration files exist in deploy/', () => {
    const mounts = Object.values(services)
      .flatMap((s) => s.volumes ?? [])
      .filter((v) => v.startsWith('./'));
    assert.ok(mounts.length >= 5);
    for (const mount of mounts) {
      const path = join(root, mount.split(':')[0] ?? '');
      assert.ok(existsSync(path), `missing ${mount}`);
    }
    assert.ok(
      readdirSync(join(root, 'deploy', 'grafana', 'dashboards')).some((f) => f.endsWith('.json')),
    );
  });

  test('the schema check rejects an invalid compose file', () => {
    const bad = validateCompose(
      'services:\n  x:\n    image: a\n    depends_on:\n      y:\n        condition: when_ready\n    healthcheck:\n      interval: soon\n',
    );
    assert.equal(bad.valid, false);
    assert.ok(bad.errors.length >= 2, bad.errors.join('\n'));
  });
});
