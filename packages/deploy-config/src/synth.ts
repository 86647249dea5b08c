import { fileURLToPath } from 'node:url';
import { ENVIRONMENTS } from './k8s/environments.js';
import { synthesize } from './k8s/synthesize.js';

/** Regenerates the committed manifests in k8s/<env>/ at the repository root. */
const root = fileURLToPath(new URL('../../../', import.meta.url));
for (const env of ENVIRONMENTS) {
  const outdir = `${root}k8s/${env}`;
  const files = synthesize(env, outdir);
  console.log(`k8s/${env}: ${files.join(', ')}`);
}
