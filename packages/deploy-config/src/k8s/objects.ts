import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { ISecurityContext } from 'kubernetes-models/v1/SecurityContext';
import type { IPodSecurityContext } from 'kubernetes-models/v1/PodSecurityContext';
import { RUN_AS_USER } from './environments.js';

export const PART_OF = 'docat';

export function labels(component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': `docat-${component}`,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': PART_OF,
  };
}

export function selector(component: string): Record<string, string> {
  return { 'app.kubernetes.io/name': `docat-${component}` };
}

export function containerSecurity(user = RUN_AS_USER): ISecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: user,
    runAsGroup: user,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function podSecurity(user = RUN_AS_USER): IPodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: user,
    runAsGroup: user,
    fsGroup: user,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function httpProbe(path: string, port: string, periodSeconds: number, failureThreshold: number): IProbe {
  return { httpGet: { path, port }, periodSeconds, failureThreshold, timeoutSeconds: 2 };
}

export function topologySpread(component: string): IPodSpec['topologySpreadConstraints'] {
  return [
    {
      maxSkew: 1,
      topologyKey: 'topology.kubernetes.io/zone',
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: selector(component) },
    },
    {
      maxSkew: 1,
      topologyKey: 'kubernetes.io/hostname',
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: selector(component) },
    },
  ];
}

/** Writable scratch space: the root filesystem is read-only. */
export function tmpVolume(): { volume: NonNullable<IPodSpec['volumes']>[number]; mount: NonNullable<IContainer['volumeMounts']>[number] } {
  return {
    volume: { name: 'tmp', emptyDir: { sizeLimit: '1Gi' } },
    mount: { name: 'tmp', mountPath: '/tmp' },
  };
}
