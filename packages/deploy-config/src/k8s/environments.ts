import { QUEUES, SERVICES, type QueueName, type ServiceName } from '@docat/contracts';

export type EnvironmentName = 'dev' | 'prod';
export const ENVIRONMENTS: readonly EnvironmentName[] = ['dev', 'prod'];

export const NAMESPACE = 'docat';
export const HTTP_PORT = 8080;
/** Management port (/healthz, /readyz, /metrics); never behind the Ingress. */
export const MANAGEMENT_PORT = 9090;
export const RUN_AS_USER = 10001;

/**
 * The service kit stops taking work on SIGTERM, lets in-flight work run for 10 s and
 * exits hard 5 s later; the pod's grace period covers the preStop pause plus that.
 */
export const PRE_STOP_SECONDS = 5;
export const DRAIN_DEADLINE_SECONDS = 15;
export const TERMINATION_GRACE_SECONDS = PRE_STOP_SECONDS + DRAIN_DEADLINE_SECONDS + 5;

export interface Resources {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

export type Scaling =
  | { kind: 'cpu'; min: number; max: number; targetCpuPercent: number }
  | { kind: 'queue'; min: number; max: number; queues: readonly QueueName[]; targetDepthPerReplica: number }
  | { kind: 'fixed'; replicas: number };

export interface AppSpec {
  service: ServiceName;
  /** Serves the public HTTP API (only the gateway). */
  public: boolean;
  /** Runs queue workers: tolerates spot nodes in prod. */
  worker: boolean;
  resources: Resources;
  scaling: Scaling;
}

export interface Environment {
  name: EnvironmentName;
  imageRegistry: string;
  imageTag: string;
  host: string;
  apps: readonly AppSpec[];
  /** Database address the apps use: PgBouncer in prod, PostgreSQL directly in dev. */
  pgbouncer: boolean;
  spotWorkers: boolean;
  prometheusUrl: string;
  /**
   * The cluster runs the Prometheus operator: the alert rules ship as a `PrometheusRule`.
   * Without it they ship only as a ConfigMap for Prometheus' `rule_files`.
   */
  prometheusOperator: boolean;
  /**
   * Ports of Redis (6379, 6380 for TLS, 26379 for Sentinel), PostgreSQL, PgBouncer and
   * S3-compatible storage that pods may reach.
   */
  dataPorts: readonly number[];
}

/** Memory limit of an extraction pod: the sum of its worst cases, rounded up (checked by the manifests test). */
const EXTRACTION_MEMORY_LIMIT = '3328Mi';

const small: Resources = { requests: { cpu: '100m', memory: '192Mi' }, limits: { cpu: '500m', memory: '384Mi' } };

/** Replica ranges: prod follows the source design's scaling table (API 2-16, workers 2-24). */
function apps(env: EnvironmentName): AppSpec[] {
  const prod = env === 'prod';
  const range = (min: number, max: number): { min: number; max: number } => (prod ? { min, max } : { min: 1, max: 4 });
  const worker = (cpu: string, mem: string, limitCpu: string, limitMem: string): Resources =>
    prod ? { requests: { cpu, memory: mem }, limits: { cpu: limitCpu, memory: limitMem } } : small;
  return [
    {
      service: SERVICES.GATEWAY,
      public: true,
      worker: false,
      resources: prod ? { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } } : small,
      scaling: { kind: 'cpu', ...range(2, 16), targetCpuPercent: 70 },
    },
    {
      service: SERVICES.AUTH,
      public: false,
      worker: false,
      resources: prod ? { requests: { cpu: '100m', memory: '192Mi' }, limits: { cpu: '500m', memory: '384Mi' } } : small,
      scaling: { kind: 'fixed', replicas: prod ? 2 : 1 },
    },
    {
      service: SERVICES.INGESTION,
      public: false,
      worker: false,
      resources: prod ? { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } } : small,
      scaling: { kind: 'fixed', replicas: prod ? 2 : 1 },
    },
    {
      service: SERVICES.EXTRACTION,
      public: false,
      worker: true,
      // The limit holds the extraction worst case (see @docat/pdf's memory budget): the service,
      // a render thread and a sandbox child per core, all at their caps at once.
      resources: prod
        ? worker('1', '1Gi', '2', EXTRACTION_MEMORY_LIMIT)
        : { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '2', memory: EXTRACTION_MEMORY_LIMIT } },
      scaling: { kind: 'queue', ...range(2, 24), queues: [QUEUES.EXTRACT, QUEUES.RENDER], targetDepthPerReplica: 5 },
    },
    {
      service: SERVICES.TRANSLATION,
      public: false,
      worker: true,
      resources: worker('250m', '256Mi', '1', '512Mi'),
      scaling: { kind: 'queue', ...range(2, 24), queues: [QUEUES.TRANSLATE], targetDepthPerReplica: 10 },
    },
    {
      service: SERVICES.NOTIFICATION,
      public: false,
      worker: true,
      resources: worker('100m', '128Mi', '500m', '256Mi'),
      scaling: { kind: 'queue', ...range(2, 24), queues: [QUEUES.NOTIFY], targetDepthPerReplica: 20 },
    },
  ];
}

export function environment(name: EnvironmentName): Environment {
  return {
    name,
    imageRegistry: 'registry.example.com/docat',
    imageTag: '0.1.0',
    host: name === 'prod' ? 'docat.example.com' : 'docat.dev.example.com',
    apps: apps(name),
    pgbouncer: name === 'prod',
    spotWorkers: name === 'prod',
    prometheusUrl: 'http://prometheus-operated.monitoring.svc:9090',
    prometheusOperator: name === 'prod',
    dataPorts: [6379, 6380, 26379, 5432, 6432, 9000],
  };
}
