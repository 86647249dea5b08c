import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setupLogging } from '@docat/service-kit';
import { HumanLogSink, humanLog } from './human-log.js';

test('a terminal gets the short form, a pipe JSON, unless LOG_FORMAT says otherwise', () => {
  assert.equal(humanLog('auto', true), true);
  assert.equal(humanLog('auto', false), false);
  assert.equal(humanLog('json', true), false);
  assert.equal(humanLog('text', false), true);
});

test('info lines are left out and counted; warnings and errors are one line each, with the stack', () => {
  let out = '';
  const sink = new HumanLogSink((text) => (out += text));
  // The process's one logger, as main.ts sets it up before the modules start.
  const log = setupLogging({
    service: 'standalone',
    level: 'info',
    destination: sink.destination,
  }).root;
  for (let i = 0; i < 120; i++) log.info({ context: 'RouterExplorer' }, `Mapped route ${i}`);
  log.warn({ context: 'translation', jobId: 'j1' }, 'engine deepl is slow');
  log.error({ err: new Error('disk full') }, 'render failed');
  sink.writeLine('not json at all');
  const lines = out.trimEnd().split('\n');
  assert.equal(sink.hidden, 120);
  assert.equal(lines[0], 'warn: [translation] engine deepl is slow (jobId=j1)');
  assert.equal(lines[1], 'error: render failed');
  assert.match(lines[2] ?? '', /^ {4}Error: disk full$/u);
  assert.match(lines[3] ?? '', /^ {4,}at /u);
  assert.equal(lines.at(-1), 'not json at all');
  assert.doesNotMatch(out, /"level"/u);
});
