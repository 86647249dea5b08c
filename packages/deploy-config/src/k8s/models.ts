import { Namespace, ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: never) => Validatable;

/** Every kind the manifests may contain, keyed `apiVersion/kind`; anything else is refused. */
const MODELS: ReadonlyMap<string, ModelClass> = new Map<string, ModelClass>([
  ['v1/Namespace', Namespace],
  ['v1/ConfigMap', ConfigMap],
  ['v1/Secret', Secret],
  ['v1/Service', Service],
  ['apps/v1/Deployment', Deployment],
  ['batch/v1/Job', Job],
  ['networking.k8s.io/v1/Ingress', Ingress],
  ['networking.k8s.io/v1/NetworkPolicy', NetworkPolicy],
  ['policy/v1/PodDisruptionBudget', PodDisruptionBudget],
  ['autoscaling/v2/HorizontalPodAutoscaler', HorizontalPodAutoscaler],
  ['keda.sh/v1alpha1/ScaledObject', ScaledObject],
  ['monitoring.coreos.com/v1/PrometheusRule', PrometheusRule],
]);

export function modelFor(apiVersion: string, kind: string): ModelClass | undefined {
  return MODELS.get(`${apiVersion}/${kind}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates one parsed manifest against its Kubernetes or KEDA schema; throws when invalid. */
export function validateManifest(doc: unknown): void {
  if (!isObject(doc) || typeof doc['apiVersion'] !== 'string' || typeof doc['kind'] !== 'string')
    throw new Error('manifest without apiVersion and kind');
  const Model = modelFor(doc['apiVersion'], doc['kind']);
  if (!Model) throw new Error(`no schema known for ${doc['apiVersion']} ${doc['kind']}`);
  // The model copies the parsed fields; validate() checks them against the JSON schema.
  new Model(doc as never).validate();
}
