import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ApiObject, App, Chart, YamlOutputType } from 'cdk8s';
import { parse } from 'yaml';
import type { Construct } from 'constructs';
import { Namespace, ConfigMap, Secret, Service, type IContainer, type IPodSpec } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { PrometheusRule, type IPrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import {
  HTTP_PORT,
  MANAGEMENT_PORT,
  NAMESPACE,
  PRE_STOP_SECONDS,
  TERMINATION_GRACE_SECONDS,
  type AppSpec,
  type Environment,
} from './environments.js';
import { containerSecurity, httpProbe, labels, PART_OF, podSecurity, selector, tmpVolume, topologySpread } from './objects.js';

/** Anything `kubernetes-models` can check against its schema. */
interface Validatable {
  validate(): void;
  toJSON(): unknown;
}

const CONFIG_MAP = 'docat-config';
const SECRET = 'docat-secrets';
const PGBOUNCER_PORT = 6432;
/** Label of nodes from the spot / preemptible pool (prod workers prefer them). */
const SPOT_LABEL = 'node.docat.io/capacity';

/**
 * Adds a validated object to a chart. Validation here makes `synth` refuse to write a
 * manifest the API server would reject; the tests validate the written YAML again.
 */
function add(scope: Construct, id: string, model: Validatable): void {
  model.validate();
  new ApiObject(scope, id, model.toJSON() as ConstructorParameters<typeof ApiObject>[2]);
}

export function queueDepthQuery(queue: string): string {
  // Every replica of a worker reports the same queue: take the max, a sum would count it once per replica.
  return `max(docat_queue_depth{queue="${queue}"})`;
}

function image(env: Environment, component: string): string {
  return `${env.imageRegistry}/${component}:${env.imageTag}`;
}

function configChart(app: App, env: Environment): void {
  const chart = new Chart(app, 'config', { disableResourceNameHashes: true });
  add(chart, 'namespace', new Namespace({ metadata: { name: NAMESPACE, labels: { 'app.kubernetes.io/part-of': PART_OF } } }));
  const dev = env.name === 'dev';
  add(
    chart,
    'config',
    new ConfigMap({
      metadata: { name: CONFIG_MAP, namespace: NAMESPACE, labels: labels('config') },
      data: {
        DOCAT_MODE: 'cluster',
        NODE_ENV: 'production',
        LOG_LEVEL: dev ? 'debug' : 'info',
        PORT: String(HTTP_PORT),
        MANAGEMENT_PORT: String(MANAGEMENT_PORT),
        REDIS_KEY_PREFIX: 'docat',
        STORAGE_DRIVER: 's3',
        S3_BUCKET: 'docat',
        S3_REGION: 'us-east-1',
        ...(dev ? { S3_ENDPOINT: 'http://minio:9000', S3_FORCE_PATH_STYLE: 'true' } : { S3_SSE: 'aws:kms' }),
        // Behind PgBouncer in prod, so each pod keeps a small pool (see docs/deployment.md).
        DATABASE_POOL_MAX: dev ? '5' : '10',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.monitoring.svc:4318',
        // The Ingress controller's pods: their X-Forwarded-For names the client for per-address
        // limits. Narrow it to your cluster's pod network.
        TRUSTED_PROXIES: '10.0.0.0/8',
      },
    }),
  );
  const placeholder = 'replace-me';
  add(
    chart,
    'secrets',
    new Secret({
      metadata: {
        name: SECRET,
        namespace: NAMESPACE,
        labels: labels('config'),
        annotations: { 'docat.io/note': 'placeholder values: replace from your secret store before the first rollout' },
      },
      type: 'Opaque',
      stringData: {
        // Apps connect through PgBouncer where it runs; migrations and PgBouncer itself use the primary.
        // `pgbouncer=true` tells the apps to send no session startup options (see docs/deployment.md).
        DATABASE_URL: env.pgbouncer
          ? `postgres://docat:${placeholder}@docat-pgbouncer:${PGBOUNCER_PORT}/docat?pgbouncer=true`
          : `postgres://docat:${placeholder}@postgres:5432/docat`,
        POSTGRES_PRIMARY_URL: `postgres://docat:${placeholder}@postgres:5432/docat`,
        // The schema-version check at start reads PostgreSQL directly, not through the pooler.
        ...(env.pgbouncer ? { DATABASE_DIRECT_URL: `postgres://docat:${placeholder}@postgres:5432/docat` } : {}),
        REDIS_URL: 'redis://redis:6379',
        S3_ACCESS_KEY_ID: placeholder,
        S3_SECRET_ACCESS_KEY: placeholder,
        DOCAT_ENCRYPTION_KEY: placeholder,
      },
    }),
  );
}

function envFrom(): IContainer['envFrom'] {
  return [{ configMapRef: { name: CONFIG_MAP } }, { secretRef: { name: SECRET } }];
}

function spotPlacement(): Pick<IPodSpec, 'tolerations' | 'affinity'> {
  return {
    tolerations: [{ key: SPOT_LABEL, operator: 'Equal', value: 'spot', effect: 'NoSchedule' }],
    affinity: {
      nodeAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 100, preference: { matchExpressions: [{ key: SPOT_LABEL, operator: 'In', values: ['spot'] }] } },
        ],
      },
    },
  };
}

function appDeployment(env: Environment, spec: AppSpec): Deployment {
  const name = `docat-${spec.service}`;
  const tmp = tmpVolume();
  const ports: NonNullable<IContainer['ports']> = [{ name: 'management', containerPort: MANAGEMENT_PORT }];
  if (spec.public) ports.unshift({ name: 'http', containerPort: HTTP_PORT });
  const replicas = spec.scaling.kind === 'fixed' ? spec.scaling.replicas : spec.scaling.min;
  const container: IContainer = {
    name: spec.service,
    image: image(env, spec.service),
    imagePullPolicy: 'IfNotPresent',
    ports,
    envFrom: envFrom(),
    resources: spec.resources,
    startupProbe: httpProbe('/healthz', 'management', 2, 30),
    livenessProbe: httpProbe('/healthz', 'management', 10, 3),
    readinessProbe: httpProbe('/readyz', 'management', 5, 2),
    // Lets endpoint removal reach every proxy before the process stops accepting.
    lifecycle: { preStop: { exec: { command: ['sleep', String(PRE_STOP_SECONDS)] } } },
    securityContext: containerSecurity(),
    volumeMounts: [tmp.mount],
  };
  return new Deployment({
    metadata: { name, namespace: NAMESPACE, labels: labels(spec.service) },
    spec: {
      replicas,
      revisionHistoryLimit: 5,
      selector: { matchLabels: selector(spec.service) },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } },
      template: {
        metadata: {
          labels: labels(spec.service),
          annotations: {
            'prometheus.io/scrape': 'true',
            'prometheus.io/port': String(MANAGEMENT_PORT),
            'prometheus.io/path': '/metrics',
          },
        },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
          securityContext: podSecurity(),
          topologySpreadConstraints: topologySpread(spec.service),
          ...(spec.worker && env.spotWorkers ? spotPlacement() : {}),
          containers: [container],
          volumes: [tmp.volume],
        },
      },
    },
  });
}

function appChart(app: App, env: Environment, spec: AppSpec): void {
  const chart = new Chart(app, spec.service, { disableResourceNameHashes: true });
  const name = `docat-${spec.service}`;
  const meta = { name, namespace: NAMESPACE, labels: labels(spec.service) };
  add(chart, 'deployment', appDeployment(env, spec));
  add(
    chart,
    'service',
    new Service({
      metadata: meta,
      spec: {
        selector: selector(spec.service),
        ports: [
          ...(spec.public ? [{ name: 'http', port: 80, targetPort: 'http' }] : []),
          { name: 'management', port: MANAGEMENT_PORT, targetPort: 'management' },
        ],
      },
    }),
  );
  add(chart, 'pdb', new PodDisruptionBudget({ metadata: meta, spec: { maxUnavailable: 1, selector: { matchLabels: selector(spec.service) } } }));
  add(
    chart,
    'network-policy',
    new NetworkPolicy({
      metadata: { ...meta, name: `${name}-ingress` },
      spec: {
        podSelector: { matchLabels: selector(spec.service) },
        policyTypes: ['Ingress'],
        ingress: [
          // Only Prometheus reaches the management port.
          {
            from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
            ports: [{ protocol: 'TCP', port: MANAGEMENT_PORT }],
          },
          ...(spec.public
            ? [
                {
                  from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }],
                  ports: [{ protocol: 'TCP' as const, port: HTTP_PORT }],
                },
              ]
            : []),
        ],
      },
    }),
  );
  const scaling = spec.scaling;
  if (scaling.kind === 'cpu') {
    add(
      chart,
      'hpa',
      new HorizontalPodAutoscaler({
        metadata: meta,
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
          minReplicas: scaling.min,
          maxReplicas: scaling.max,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: scaling.targetCpuPercent } } }],
          behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
        },
      }),
    );
  } else if (scaling.kind === 'queue') {
    add(
      chart,
      'scaled-object',
      new ScaledObject({
        metadata: meta,
        spec: {
          scaleTargetRef: { name },
          minReplicaCount: scaling.min,
          maxReplicaCount: scaling.max,
          pollingInterval: 15,
          cooldownPeriod: 300,
          advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: 300 } } } },
          // The queue depth comes from Prometheus: BullMQ keeps prioritized and delayed
          // jobs outside the wait list that KEDA's Redis list scaler reads.
          triggers: scaling.queues.map((queue) => ({
            type: 'prometheus',
            name: `queue-${queue}`,
            metadata: {
              serverAddress: env.prometheusUrl,
              query: queueDepthQuery(queue),
              threshold: String(scaling.targetDepthPerReplica),
              activationThreshold: '0',
            },
          })),
        },
      }),
    );
  }
  if (spec.public) {
    add(
      chart,
      'ingress',
      new Ingress({
        metadata: {
          ...meta,
          annotations: {
            'nginx.ingress.kubernetes.io/proxy-body-size': '50m',
            // Server-sent events stay open for a whole job.
            'nginx.ingress.kubernetes.io/proxy-read-timeout': '3600',
            'nginx.ingress.kubernetes.io/proxy-buffering': 'off',
          },
        },
        spec: {
          ingressClassName: 'nginx',
          tls: [{ hosts: [env.host], secretName: 'docat-tls' }],
          rules: [
            {
              host: env.host,
              http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name, port: { name: 'http' } } } }] },
            },
          ],
        },
      }),
    );
  }
}

function networkChart(app: App, env: Environment): void {
  const chart = new Chart(app, 'network', { disableResourceNameHashes: true });
  const partOf = { matchLabels: { 'app.kubernetes.io/part-of': PART_OF } };
  add(
    chart,
    'default-deny',
    new NetworkPolicy({
      metadata: { name: 'docat-default-deny', namespace: NAMESPACE, labels: labels('network') },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    }),
  );
  add(
    chart,
    'egress',
    new NetworkPolicy({
      metadata: { name: 'docat-egress', namespace: NAMESPACE, labels: labels('network') },
      spec: {
        podSelector: partOf,
        policyTypes: ['Egress'],
        egress: [
          {
            to: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
            ports: [
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 },
            ],
          },
          // Redis, PostgreSQL/PgBouncer and storage, wherever they run.
          { ports: env.dataPorts.map((port) => ({ protocol: 'TCP', port })) },
          // Object storage and engine APIs over HTTPS, the OTLP collector.
          { ports: [{ protocol: 'TCP', port: 443 }, { protocol: 'TCP', port: 4318 }] },
        ],
      },
    }),
  );
  add(
    chart,
    'webhooks-egress',
    new NetworkPolicy({
      metadata: { name: 'docat-webhooks-egress', namespace: NAMESPACE, labels: labels('network') },
      spec: {
        // Webhook receivers may be plain HTTP; only the notification service calls them,
        // and its SSRF guard refuses private and metadata addresses before connecting.
        podSelector: { matchLabels: { 'app.kubernetes.io/component': 'notification' } },
        policyTypes: ['Egress'],
        egress: [{ ports: [{ protocol: 'TCP', port: 80 }] }],
      },
    }),
  );
}

function migrationChart(app: App, env: Environment): void {
  const chart = new Chart(app, 'migrate', { disableResourceNameHashes: true });
  const tmp = tmpVolume();
  // Named after the release: a Job's template is immutable, so each release runs a new one.
  const name = `docat-migrate-${env.imageTag.replace(/[^a-z0-9]+/g, '-')}`;
  add(
    chart,
    'job',
    new Job({
      metadata: {
        name,
        namespace: NAMESPACE,
        labels: labels('migrate'),
        annotations: {
          'argocd.argoproj.io/hook': 'PreSync',
          'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
          'helm.sh/hook': 'pre-install,pre-upgrade',
          'helm.sh/hook-weight': '-5',
        },
      },
      spec: {
        backoffLimit: 2,
        activeDeadlineSeconds: 900,
        ttlSecondsAfterFinished: 86400,
        template: {
          metadata: { labels: labels('migrate') },
          spec: {
            restartPolicy: 'Never',
            automountServiceAccountToken: false,
            securityContext: podSecurity(),
            containers: [
              {
                name: 'migrate',
                image: image(env, 'ingestion'),
                command: ['node', 'packages/database/dist/migrate.js'],
                envFrom: envFrom(),
                // Schema changes take session locks that transaction pooling would break.
                env: [{ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: SECRET, key: 'POSTGRES_PRIMARY_URL' } } }],
                resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
                securityContext: containerSecurity(),
                volumeMounts: [tmp.mount],
              },
            ],
            volumes: [tmp.volume],
          },
        },
      },
    }),
  );
}

function pgbouncerChart(app: App): void {
  const chart = new Chart(app, 'pgbouncer', { disableResourceNameHashes: true });
  const component = 'pgbouncer';
  const meta = { name: 'docat-pgbouncer', namespace: NAMESPACE, labels: labels(component) };
  const probe = { tcpSocket: { port: 'pgbouncer' }, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 2 };
  // The image writes its generated pgbouncer.ini at start from these variables; /etc/pgbouncer is a volume.
  const user = 70;
  add(
    chart,
    'config',
    new ConfigMap({
      metadata: meta,
      data: {
        LISTEN_PORT: String(PGBOUNCER_PORT),
        // Transaction pooling: a server connection serves one transaction at a time, so
        // thousands of app connections share a few dozen server connections. Session
        // state (advisory locks, LISTEN, SET, named prepared statements) does not survive.
        POOL_MODE: 'transaction',
        AUTH_TYPE: 'scram-sha-256',
        MAX_CLIENT_CONN: '2000',
        DEFAULT_POOL_SIZE: '40',
        MAX_DB_CONNECTIONS: '80',
        SERVER_RESET_QUERY: 'DISCARD ALL',
      },
    }),
  );
  add(
    chart,
    'deployment',
    new Deployment({
      metadata: meta,
      spec: {
        replicas: 2,
        selector: { matchLabels: selector(component) },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
          metadata: { labels: labels(component) },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            terminationGracePeriodSeconds: 30,
            securityContext: podSecurity(user),
            topologySpreadConstraints: topologySpread(component),
            containers: [
              {
                name: component,
                image: 'edoburu/pgbouncer:v1.23.1-p3',
                ports: [{ name: 'pgbouncer', containerPort: PGBOUNCER_PORT }],
                envFrom: [{ configMapRef: { name: meta.name } }],
                env: [{ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: SECRET, key: 'POSTGRES_PRIMARY_URL' } } }],
                resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '256Mi' } },
                startupProbe: { ...probe, periodSeconds: 2, failureThreshold: 15 },
                livenessProbe: probe,
                readinessProbe: { ...probe, periodSeconds: 5 },
                securityContext: containerSecurity(user),
                volumeMounts: [
                  { name: 'config', mountPath: '/etc/pgbouncer' },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              { name: 'config', emptyDir: { sizeLimit: '16Mi' } },
              { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
            ],
          },
        },
      },
    }),
  );
  add(
    chart,
    'service',
    new Service({
      metadata: meta,
      spec: { selector: selector(component), ports: [{ name: 'pgbouncer', port: PGBOUNCER_PORT, targetPort: 'pgbouncer' }] },
    }),
  );
  add(chart, 'pdb', new PodDisruptionBudget({ metadata: meta, spec: { maxUnavailable: 1, selector: { matchLabels: selector(component) } } }));
  add(
    chart,
    'network-policy',
    new NetworkPolicy({
      metadata: { ...meta, name: 'docat-pgbouncer-ingress' },
      spec: {
        podSelector: { matchLabels: selector(component) },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/part-of': PART_OF } } }],
            ports: [{ protocol: 'TCP', port: PGBOUNCER_PORT }],
          },
        ],
      },
    }),
  );
}

/** The alert rules every environment ships: `deploy/prometheus/alerts.yml`, the one source. */
export const ALERT_RULES_FILE = fileURLToPath(new URL('../../../../deploy/prometheus/alerts.yml', import.meta.url));
export const RULES_CONFIG_MAP = 'docat-prometheus-rules';

/**
 * The alert rules, for Prometheus to load: a `PrometheusRule` where the Prometheus operator
 * runs, and always a ConfigMap holding the same file for a Prometheus configured by hand
 * (mount it and list it under `rule_files`).
 */
function monitoringChart(app: App, env: Environment): void {
  const chart = new Chart(app, 'monitoring', { disableResourceNameHashes: true });
  const text = readFileSync(ALERT_RULES_FILE, 'utf8');
  const rules = parse(text) as { groups: NonNullable<IPrometheusRule['spec']['groups']> };
  const meta = { namespace: NAMESPACE, labels: { ...labels('monitoring'), prometheus: 'docat' } };
  add(chart, 'rules-file', new ConfigMap({ metadata: { ...meta, name: RULES_CONFIG_MAP }, data: { 'docat-alerts.yml': text } }));
  if (env.prometheusOperator) {
    add(chart, 'rules', new PrometheusRule({ metadata: { ...meta, name: 'docat-alerts' }, spec: { groups: rules.groups } }));
  }
}

/** The cdk8s app of one environment: one chart (one file) per concern. */
export function buildApp(env: Environment, outdir: string): App {
  const app = new App({ outdir, yamlOutputType: YamlOutputType.FILE_PER_CHART, outputFileExtension: '.yaml' });
  configChart(app, env);
  migrationChart(app, env);
  networkChart(app, env);
  if (env.pgbouncer) pgbouncerChart(app);
  monitoringChart(app, env);
  for (const spec of env.apps) appChart(app, env, spec);
  return app;
}
