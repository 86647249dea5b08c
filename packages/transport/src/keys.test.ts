import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventDomain, groupByTag, hashTag, StreamKeys } from './keys.js';

describe('StreamKeys', () => {
  const keys = new StreamKeys('docat');

  test('one hash tag per stream family', () => {
    assert.equal(keys.rpc('auth'), 'docat:{rpc:auth}');
    assert.equal(keys.workEvent('job.created'), 'docat:{evt:job}:job.created');
    assert.equal(
      keys.broadcastEvent('auth.api-key-revoked'),
      'docat:{bcast:auth}:auth.api-key-revoked',
    );
    assert.equal(keys.reply('abc'), 'docat:{reply:abc}');
    assert.equal(hashTag(keys.workEvent('job.created')), hashTag(keys.workEvent('job.progress')));
    assert.notEqual(
      hashTag(keys.workEvent('job.created')),
      hashTag(keys.workEvent('chunk.step-done')),
    );
    assert.notEqual(hashTag(keys.rpc('auth')), hashTag(keys.rpc('ingestion')));
  });

  test('rejects names that would break a hash tag', () => {
    assert.throws(() => new StreamKeys('a{b}'));
    assert.throws(() => keys.rpc('x}y'));
    assert.throws(() => keys.rpc(''));
  });

  test('recognises only its own reply streams', () => {
    assert.equal(keys.isReplyKey('docat:{reply:abc}'), true);
    assert.equal(keys.isReplyKey('other:{reply:abc}'), false);
    assert.equal(keys.isReplyKey('docat:{rpc:auth}'), false);
  });

  test('groupByTag puts streams sharing a slot in one family', () => {
    const families = groupByTag([
      keys.workEvent('job.created'),
      keys.workEvent('chunk.step-done'),
      keys.workEvent('job.progress'),
      keys.rpc('auth'),
    ]);
    assert.deepEqual(
      families.map((f) => f.keys.length),
      [2, 1, 1],
    );
    assert.equal(families[0]?.tag, '{evt:job}');
  });

  test('eventDomain', () => {
    assert.equal(eventDomain('job.state-changed'), 'job');
    assert.equal(eventDomain('plain'), 'plain');
  });
});
