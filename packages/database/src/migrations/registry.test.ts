import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MIGRATIONS, SERVICE_SCHEMAS } from './registry.js';
import { migrationName, migrationTimestamp } from '../migrator.js';

test('every schema lists its migrations oldest first, each named <Name><13-digit timestamp>', () => {
  assert.deepEqual(Object.keys(MIGRATIONS).sort(), [...SERVICE_SCHEMAS].sort());
  const all = new Set<string>();
  for (const schema of SERVICE_SCHEMAS) {
    const names = MIGRATIONS[schema].map(migrationName);
    assert.ok(names.length > 0, `${schema} has a baseline`);
    const stamps = names.map(migrationTimestamp);
    assert.deepEqual(
      stamps,
      [...stamps].sort((a, b) => a - b),
      `${schema} is ordered`,
    );
    for (const [i, migration] of MIGRATIONS[schema].entries()) {
      assert.equal(names[i], migration.name, 'the name field matches the class name');
      assert.ok(!all.has(names[i]!), `${names[i]} is unique`);
      all.add(names[i]!);
    }
  }
});

test('migrationTimestamp rejects a name without a timestamp', () => {
  assert.equal(migrationTimestamp('AuthBaseline1767225600000'), 1767225600000);
  assert.throws(() => migrationTimestamp('AuthBaseline'), RangeError);
});
