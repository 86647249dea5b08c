import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { SERVICES } from '@docat/contracts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

interface Workflow {
  on: unknown;
  jobs: Record<string, { 'runs-on': string; strategy?: { matrix?: { app?: string[] } }; steps: { run?: string; uses?: string; with?: Record<string, unknown> }[] }>;
}

function workflow(name: string): Workflow {
  return parse(readFileSync(`${root}.github/workflows/${name}`, 'utf8')) as Workflow;
}

describe('GitHub Actions workflows', () => {
  test('CI installs, lints, typechecks and runs the README test command with Redis and PostgreSQL service containers', () => {
    const ci = workflow('ci.yml');
    const job = ci.jobs.test!;
    const runs = job.steps.map((s) => s.run ?? '').join('\n');
    assert.match(runs, /npm ci/);
    assert.match(runs, /npm run lint/);
    assert.match(runs, /npm run format:check/);
    assert.match(runs, /npm run typecheck/);
    assert.match(runs, /npm test/);
    assert.match(runs, /prometheus/, 'promtool (Debian package prometheus) is installed for the rules tests');
    const services = (job as unknown as { services: Record<string, { image: string }> }).services;
    assert.match(services.redis!.image, /^redis:7/);
    assert.match(services.postgres!.image, /^postgres:15/);
    const readme = readFileSync(`${root}README.md`, 'utf8');
    assert.match(readme, /npm test/, 'the README names the same test command');
  });

  test('manifests job re-synthesizes and fails on a diff', () => {
    const runs = workflow('ci.yml').jobs.manifests!.steps.map((s) => s.run ?? '').join('\n');
    assert.match(runs, /npm run synth -w @docat\/deploy-config/);
    assert.match(runs, /git diff --exit-code/);
  });

  test('images: one per service, built from deploy/Dockerfile, pushed only on version tags', () => {
    const images = workflow('images.yml');
    const job = images.jobs.image!;
    assert.deepEqual([...job.strategy!.matrix!.app!].sort(), Object.values(SERVICES).sort());
    const build = job.steps.find((s) => s.uses?.startsWith('docker/build-push-action'));
    assert.ok(build, 'no build-push step');
    assert.equal(build.with!.file, 'deploy/Dockerfile');
    assert.equal(build.with!['build-args'], 'APP=${{ matrix.app }}');
    assert.equal(build.with!.push, "${{ startsWith(github.ref, 'refs/tags/v') }}");
    assert.deepEqual((images.on as { push: { tags: string[] } }).push.tags, ['v*']);
  });
});
