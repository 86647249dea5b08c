import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertHandlersRegistered } from './boot-check.js';

test('assertHandlersRegistered names every missing pattern', () => {
  const server = { getHandlers: () => new Map<string, unknown>([['jobs.get', () => undefined]]) };
  assert.doesNotThrow(() => assertHandlersRegistered(server, ['jobs.get']));
  assert.throws(() => assertHandlersRegistered(server, ['jobs.get', 'jobs.list', 'job.created']), {
    message: 'no handler registered for: jobs.list, job.created',
  });
});
