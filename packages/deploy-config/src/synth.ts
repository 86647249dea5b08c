import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ENVIRONMENTS } from './k8s/environments.js';
import { synthesize } from './k8s/synthesize.js';
import { lifecycleJson } from './s3/lifecycle.js';

/** Regenerates the committed manifests in k8s/<env>/ at the repository root. */
const root = fileURLToPath(new URL('../../../', import.meta.url));
for (const env of ENVIRONMENTS) {
  const outdir = `${root}k8s/${env}`;
  const files = synthesize(env, outdir);
  console.log(`k8s/${env}: ${files.join(', ')}`);
}
// The bucket lifecycle for the default retention settings (deploy/s3/lifecycle.json).
mkdirSync(`${root}deploy/s3`, { recursive: true });
writeFileSync(`${root}deploy/s3/lifecycle.json`, lifecycleJson());
console.log('deploy/s3/lifecycle.json');
