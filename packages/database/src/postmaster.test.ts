import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAlive, parsePostmasterPid } from './postmaster.js';

test('parses the PID, data directory and port of postmaster.pid', () => {
  const text =
    '4242\n/srv/docat/db/pgdata\n1767225600\n54321\n\n127.0.0.1\n  1234567     32768\nready   \n';
  assert.deepEqual(parsePostmasterPid(text), {
    pid: 4242,
    dataDir: '/srv/docat/db/pgdata',
    port: 54321,
  });
  assert.equal(parsePostmasterPid('garbage'), null);
  assert.equal(parsePostmasterPid(''), null);
});

test('isAlive tells this process from a PID that does not exist', () => {
  assert.equal(isAlive(process.pid), true);
  assert.equal(isAlive(2 ** 22 + 12345), false);
});
