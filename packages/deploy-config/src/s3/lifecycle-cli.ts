/**
 * `npm run lifecycle -w @docat/deploy-config`: prints the bucket lifecycle for the
 * retention settings in the environment (RETENTION_RESULTS, RETENTION_UPLOADS), for
 * `aws s3api put-bucket-lifecycle-configuration --bucket <b> --lifecycle-configuration file://-`
 * or `mc ilm import`.
 */
import { lifecycleJson, retentionFromEnv } from './lifecycle.js';

try {
  process.stdout.write(lifecycleJson(retentionFromEnv(process.env)));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}
