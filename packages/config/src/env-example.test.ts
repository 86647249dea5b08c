import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { generateConfigReference, renderEnvExample } from './env-example.js';
import { VARIABLE_NAMES } from './variables.js';
import { CONFIG_REFERENCE_URL, ENV_EXAMPLE_URL, withCurrentTable } from './write-env-example.js';

describe('.env.example', () => {
  test('the committed file matches the variable table (run npm run env-example -w @docat/config)', () => {
    const committed = readFileSync(ENV_EXAMPLE_URL, 'utf8');
    assert.equal(committed, renderEnvExample());
  });

  test('docs/configuration.md carries the current variable table (run npm run env-example -w @docat/config)', () => {
    const page = readFileSync(CONFIG_REFERENCE_URL, 'utf8');
    assert.equal(page, withCurrentTable(page));
  });

  test('lists every variable exactly once', () => {
    const text = renderEnvExample();
    for (const name of VARIABLE_NAMES) {
      assert.equal(
        text.split('\n').filter((line) => line.startsWith(`# ${name}=`)).length,
        1,
        name,
      );
    }
  });
});

describe('generateConfigReference', () => {
  test('has a row per variable with default and secret flag', () => {
    const table = generateConfigReference();
    const rows = table.split('\n').filter((line) => line.startsWith('| `'));
    assert.equal(rows.length, VARIABLE_NAMES.length);
    assert.ok(
      rows.some(
        (row) => row.startsWith('| `PORT` |') && row.includes('`8080`') && row.endsWith('| no |'),
      ),
    );
    assert.ok(
      rows.some((row) => row.startsWith('| `S3_SECRET_ACCESS_KEY` |') && row.endsWith('| yes |')),
    );
    assert.ok(
      rows.some((row) => row.startsWith('| `REDIS_CACHE_URL` |') && row.includes('REDIS_URL')),
    );
  });
});
