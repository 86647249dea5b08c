import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateConfigReference, renderEnvExample } from './env-example.js';

/** Writes the repository's `.env.example` and the table in `docs/configuration.md` from the variable table. */
export const ENV_EXAMPLE_URL = new URL('../../../.env.example', import.meta.url);
export const CONFIG_REFERENCE_URL = new URL('../../../docs/configuration.md', import.meta.url);

/** The reference page with its variable table replaced by the current one; the prose around it is kept. */
export function withCurrentTable(page: string): string {
  const lines = page.split('\n');
  const start = lines.findIndex((line) => line.startsWith('| Variable |'));
  if (start < 0) return `${page.trimEnd()}\n\n${generateConfigReference()}`;
  let end = start;
  while (end < lines.length && lines[end]!.startsWith('|')) end++;
  const table = generateConfigReference().trimEnd().split('\n');
  return [...lines.slice(0, start), ...table, ...lines.slice(end)].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(ENV_EXAMPLE_URL, renderEnvExample(), 'utf8');
  writeFileSync(
    CONFIG_REFERENCE_URL,
    withCurrentTable(readFileSync(CONFIG_REFERENCE_URL, 'utf8')),
    'utf8',
  );
  console.log(`wrote ${fileURLToPath(ENV_EXAMPLE_URL)} and ${fileURLToPath(CONFIG_REFERENCE_URL)}`);
}
