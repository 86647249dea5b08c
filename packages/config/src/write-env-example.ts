import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderEnvExample } from './env-example.js';

/** Writes the repository's `.env.example` from the variable table. */
export const ENV_EXAMPLE_URL = new URL('../../../.env.example', import.meta.url);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(ENV_EXAMPLE_URL, renderEnvExample(), 'utf8');
  console.log(`wrote ${fileURLToPath(ENV_EXAMPLE_URL)}`);
}
