import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { QUEUES, QUEUE_NAMES, SERVICES } from '@docat/contracts';
import { ENVIRONMENTS, environment, MANAGEMENT_PORT, TERMINATION_GRACE_SECONDS, type EnvironmentName } from './environments.js';
import { KUSTOMIZATION, synthesize } from './synthesize.js';
import { extractionMemoryBudget } from '@docat/pdf/memory-budget';
import { validateManifest } from './models.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

/** Loosely typed view of a parsed manifest; the schema check has already run on it. */
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec?: Record<string, never>;
  [key: string]: unknown;
}
type Json = Record<string, never>;

function load(env: EnvironmentName): Manifest[] {
  const dir = join(root, 'k8s', env);
  const docs: Manifest[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.yaml') || file === KUSTOMIZATION) continue;
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      assert.equal(doc.errors.length, 0, `${env}/${file}: ${doc.errors.join('; ')}`);
      docs.push(doc.toJS() as Manifest);
    }
  }
  return docs;
}

/** Standalone mode runs everything in one process; it is not part of a cluster deployment. */
const NOT_IN_CLUSTER: ReadonlySet<string> = new Set(['standalone']);

/** Apps that run as a process: an app folder with a main module. */
function appFolders(): string[] {
  return readdirSync(join(root, 'apps')).filter((name) => existsSync(join(root, 'apps', name, 'src', 'main.ts')));
}

const temp: string[] = [];
after(() => {
  for (const dir of temp) rmSync(dir, { recursive: true, force: true });
});

for (const env of ENVIRONMENTS) {
  describe(`k8s/${env}`, () => {
    const docs = load(env);
    const of = (kind: string): Manifest[] => docs.filter((d) => d.kind === kind);
    const named = (kind: string, name: string): Manifest | undefined => of(kind).find((d) => d.metadata.name === name);

    test('the committed YAML is what synth produces now', () => {
      const dir = mkdtempSync(join(tmpdir(), `docat-k8s-${env}-`));
      temp.push(dir);
      const files = synthesize(env, dir);
      const committed = readdirSync(join(root, 'k8s', env)).filter((f) => f.endsWith('.yaml')).sort();
      assert.deepEqual(committed, [...files].sort(), 'file set differs: run `npm run synth -w @docat/deploy-config`');
      for (const file of files) {
        const fresh = readFileSync(join(dir, file), 'utf8');
        const current = readFileSync(join(root, 'k8s', env, file), 'utf8');
        assert.equal(current, fresh, `k8s/${env}/${file} is stale: run \`npm run synth -w @docat/deploy-config\``);
      }
    });

    test('the alert rules ship from deploy/prometheus/alerts.yml: a ConfigMap, and a PrometheusRule where the operator runs', () => {
      const shipped = readFileSync(join(root, 'deploy', 'prometheus', 'alerts.yml'), 'utf8');
      const file = named('ConfigMap', 'docat-prometheus-rules') as unknown as { data: Record<string, string> } | undefined;
      assert.ok(file, 'rules ConfigMap');
      assert.equal(file.data['docat-alerts.yml'], shipped);
      const rule = named('PrometheusRule', 'docat-alerts') as unknown as { spec: { groups: unknown[] } } | undefined;
      if (environment(env).prometheusOperator) {
        assert.ok(rule, 'PrometheusRule');
        assert.deepEqual(rule.spec.groups, (parse(shipped) as { groups: unknown[] }).groups);
      } else {
        assert.equal(rule, undefined, 'a PrometheusRule needs the operator');
      }
    });

    test('the extraction pod may hold its worst case: service, render thread and sandbox children at their caps', () => {
      const deployment = named('Deployment', `docat-${SERVICES.EXTRACTION}`) as unknown as Record<string, unknown> | undefined;
      assert.ok(deployment, 'extraction Deployment');
      type Obj = Record<string, unknown>;
      const podSpec = (((deployment['spec'] as Obj)['template'] as Obj)['spec'] as Obj)['containers'] as Obj[];
      const limit = String(((podSpec[0]!['resources'] as Obj)['limits'] as Obj)['memory']);
      const unit = /^(\d+)(Mi|Gi)$/.exec(limit);
      assert.ok(unit, `memory limit ${limit}`);
      const mb = Number(unit[1]) * (unit[2] === 'Gi' ? 1024 : 1);
      const budget = extractionMemoryBudget();
      assert.ok(mb >= budget.total, `limit ${mb} MB < worst case ${JSON.stringify(budget)}`);
    });

    test('the kustomization lists every manifest file', () => {
      const kustomization = parse(readFileSync(join(root, 'k8s', env, KUSTOMIZATION), 'utf8')) as { resources: string[]; namespace: string };
      const files = readdirSync(join(root, 'k8s', env)).filter((f) => f.endsWith('.yaml') && f !== KUSTOMIZATION).sort();
      assert.deepEqual([...kustomization.resources].sort(), files);
      assert.equal(kustomization.namespace, 'docat');
    });

    test('every object validates against the Kubernetes and KEDA schemas', () => {
      assert.ok(docs.length > 30, `only ${docs.length} objects`);
      for (const doc of docs) {
        assert.doesNotThrow(() => validateManifest(doc), `${doc.kind} ${doc.metadata.name}`);
      }
    });

    test('every container has probes (Deployments), limits and a locked-down security context', () => {
      const pods: Array<[string, Json]> = [
        ...of('Deployment').map((d): [string, Json] => [d.metadata.name, (d.spec as Json)['template']]),
        ...of('Job').map((d): [string, Json] => [d.metadata.name, (d.spec as Json)['template']]),
      ];
      assert.ok(pods.length >= 7);
      for (const [name, template] of pods) {
        const pod = (template as Json)['spec'] as Record<string, unknown>;
        const podSecurity = pod['securityContext'] as Record<string, unknown>;
        assert.equal(podSecurity['runAsNonRoot'], true, name);
        assert.deepEqual(podSecurity['seccompProfile'], { type: 'RuntimeDefault' }, name);
        const isDeployment = !!named('Deployment', name);
        for (const c of pod['containers'] as Array<Record<string, Json>>) {
          const where = `${name}/${String(c['name'])}`;
          const resources = c['resources'] as Record<string, Record<string, string>>;
          for (const r of ['cpu', 'memory']) {
            assert.ok(resources['requests']?.[r], `${where} requests.${r}`);
            assert.ok(resources['limits']?.[r], `${where} limits.${r}`);
          }
          const sc = c['securityContext'] as Record<string, unknown>;
          assert.equal(sc['runAsNonRoot'], true, where);
          assert.ok(typeof sc['runAsUser'] === 'number' && sc['runAsUser'] > 0, `${where} runAsUser`);
          assert.equal(sc['readOnlyRootFilesystem'], true, where);
          assert.equal(sc['allowPrivilegeEscalation'], false, where);
          assert.deepEqual(sc['capabilities'], { drop: ['ALL'] }, where);
          assert.deepEqual(sc['seccompProfile'], { type: 'RuntimeDefault' }, where);
          if (isDeployment) {
            for (const p of ['livenessProbe', 'readinessProbe', 'startupProbe']) assert.ok(c[p], `${where} ${p}`);
          }
        }
      }
    });

    test('each app in apps/ has a Deployment with health probes on the management port', () => {
      const folders = appFolders().filter((name) => !NOT_IN_CLUSTER.has(name));
      assert.deepEqual([...folders].sort(), Object.values(SERVICES).sort(), 'every cluster app is a service of the contracts');
      for (const app of folders) {
        const deployment = named('Deployment', `docat-${app}`);
        assert.ok(deployment, `no Deployment for ${app}`);
        const spec = deployment.spec as Record<string, Record<string, unknown>>;
        assert.deepEqual(spec['strategy'], { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } });
        const pod = (spec['template'] as Json)['spec'] as Record<string, unknown>;
        assert.equal(pod['terminationGracePeriodSeconds'], TERMINATION_GRACE_SECONDS);
        assert.ok(Array.isArray(pod['topologySpreadConstraints']) && pod['topologySpreadConstraints'].length > 0, app);
        const [c] = pod['containers'] as Array<Record<string, Record<string, Record<string, unknown>>>>;
        assert.ok(c);
        const ports = c['ports'] as unknown as Array<{ name: string; containerPort: number }>;
        const portOf = (name: unknown): number | undefined => ports.find((p) => p.name === name)?.containerPort;
        assert.equal(portOf(c['livenessProbe']?.['httpGet']?.['port']), MANAGEMENT_PORT);
        assert.equal(c['livenessProbe']?.['httpGet']?.['path'], '/healthz');
        assert.equal(c['readinessProbe']?.['httpGet']?.['path'], '/readyz');
        assert.equal(portOf(c['readinessProbe']?.['httpGet']?.['port']), MANAGEMENT_PORT);
        assert.equal(portOf(c['startupProbe']?.['httpGet']?.['port']), MANAGEMENT_PORT);
        assert.ok(named('Service', `docat-${app}`), `no Service for ${app}`);
        assert.ok(named('PodDisruptionBudget', `docat-${app}`), `no PodDisruptionBudget for ${app}`);
        if (app === SERVICES.GATEWAY) assert.equal(portOf('http'), 8080);
      }
    });

    test('each work queue has a ScaledObject on the Prometheus queue-depth metric', () => {
      const scheduled: string[] = [QUEUES.MAINTENANCE];
      const workQueues = QUEUE_NAMES.filter((q) => !scheduled.includes(q));
      const triggers = of('ScaledObject').flatMap((so) => {
        const spec = so.spec as unknown as { triggers: Array<{ type: string; metadata: { query: string } }>; minReplicaCount: number; maxReplicaCount: number };
        if (env === 'prod') {
          assert.equal(spec.minReplicaCount, 2, so.metadata.name);
          assert.equal(spec.maxReplicaCount, 24, so.metadata.name);
        }
        return spec.triggers;
      });
      for (const queue of workQueues) {
        const trigger = triggers.find((t) => t.metadata.query.includes(`docat_queue_depth{queue="${queue}"}`));
        assert.ok(trigger, `no ScaledObject trigger for queue ${queue}`);
        assert.equal(trigger.type, 'prometheus');
      }
      assert.deepEqual(
        of('ScaledObject').map((so) => so.metadata.name).sort(),
        ['docat-extraction', 'docat-notification', 'docat-translation'],
      );
    });

    test('only the gateway takes outside traffic, scaled on CPU', () => {
      assert.deepEqual(of('Ingress').map((i) => i.metadata.name), ['docat-gateway']);
      const fromIngress = of('NetworkPolicy').filter((p) => JSON.stringify(p.spec).includes('ingress-nginx'));
      assert.deepEqual(fromIngress.map((p) => p.metadata.name), ['docat-gateway-ingress']);
      const deny = named('NetworkPolicy', 'docat-default-deny');
      assert.deepEqual(deny?.spec, { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
      const hpa = named('HorizontalPodAutoscaler', 'docat-gateway')?.spec as unknown as { minReplicas: number; maxReplicas: number };
      assert.ok(hpa);
      if (env === 'prod') assert.deepEqual([hpa.minReplicas, hpa.maxReplicas], [2, 16]);
    });

    test('a migration Job runs ahead of the rollout against the primary database', () => {
      const [job] = of('Job');
      assert.ok(job);
      assert.equal(job.metadata.annotations?.['argocd.argoproj.io/hook'], 'PreSync');
      assert.match(JSON.stringify(job.spec), /packages\/database\/dist\/migrate\.js/);
    });

    if (env === 'prod') {
      test('prod runs PgBouncer in transaction mode and places workers on spot nodes', () => {
        const bouncer = named('Deployment', 'docat-pgbouncer');
        assert.match(JSON.stringify(bouncer), /"envFrom":\[\{"configMapRef":\{"name":"docat-pgbouncer"\}\}\]/);
        const settings = named('ConfigMap', 'docat-pgbouncer') as unknown as { data: Record<string, string> };
        assert.equal(settings.data['POOL_MODE'], 'transaction');
        assert.ok(named('Service', 'docat-pgbouncer'), 'a Service in front of PgBouncer');
        // Apps go through the pooler without session startup options; the schema check goes direct.
        const secret = named('Secret', 'docat-secrets') as unknown as { stringData: Record<string, string> };
        assert.match(secret.stringData['DATABASE_URL'] ?? '', /@docat-pgbouncer:6432\/docat\?pgbouncer=true$/);
        assert.match(secret.stringData['DATABASE_DIRECT_URL'] ?? '', /@postgres:5432\/docat$/);
        for (const worker of ['extraction', 'translation', 'notification']) {
          const spec = JSON.stringify(named('Deployment', `docat-${worker}`));
          assert.match(spec, /"tolerations":\[\{"effect":"NoSchedule","key":"node.docat.io\/capacity"/, worker);
        }
        assert.doesNotMatch(JSON.stringify(named('Deployment', 'docat-gateway')), /tolerations/);
      });
    }
  });
}

test('the schema check rejects a malformed Deployment and an unknown kind', () => {
  const bad = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { replicas: 'two', selector: {}, template: {} } };
  assert.throws(() => validateManifest(bad));
  const so = { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'x' }, spec: { triggers: [] } };
  assert.throws(() => validateManifest(so), 'a ScaledObject without scaleTargetRef must fail');
  assert.throws(() => validateManifest({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' } }), /no schema known/);
});
