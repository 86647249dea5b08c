import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DocatError, makeEnvelope, RPC, SERVICES } from '@docat/contracts';
import { defaultResolveService } from './routing.js';
import {
  FIELD,
  parseAutoClaimReply,
  parseReadReply,
  parseReply,
  parseRequest,
  toWireError,
} from './wire.js';

describe('wire format', () => {
  test('a request entry round-trips and is validated', () => {
    const envelope = makeEnvelope('jobs.get', 1, { id: 'x' }, { requestId: 'r1' });
    const parsed = parseRequest({
      [FIELD.ENVELOPE]: JSON.stringify(envelope),
      [FIELD.REPLY_TO]: 'docat:{reply:c}',
      [FIELD.DEADLINE]: '1700000000000',
    });
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.request.envelope, envelope);
    assert.equal(parsed.request.deadline, 1_700_000_000_000);
  });

  test('an invalid envelope is refused but still names where to answer', () => {
    const parsed = parseRequest({
      [FIELD.ENVELOPE]: JSON.stringify({ id: 'abc', type: 'x' }),
      [FIELD.REPLY_TO]: 'docat:{reply:c}',
      [FIELD.DEADLINE]: '1',
    });
    assert.equal(parsed.ok, false);
    assert.ok(!parsed.ok && parsed.replyTo === 'docat:{reply:c}' && parsed.correlation === 'abc');
    assert.equal(parseRequest({ [FIELD.ENVELOPE]: '{' }).ok, false);
  });

  test('replies are validated', () => {
    assert.deepEqual(parseReply({ c: 'id', p: '{"ok":true,"data":3}' }), {
      correlation: 'id',
      payload: { ok: true, data: 3 },
    });
    assert.equal(
      parseReply({ c: 'id', p: '{"ok":false,"error":{"code":"NOPE","message":""}}' }),
      null,
    );
    assert.equal(parseReply({ p: '{"ok":true}' }), null);
  });

  test('errors: DocatError keeps its code, anything else is INTERNAL without detail', () => {
    assert.deepEqual(toWireError(new DocatError('PDF_CORRUPT', 'bad xref')), {
      code: 'PDF_CORRUPT',
      message: 'bad xref',
      errors: undefined,
    });
    const internal = toWireError(new Error('password=hunter2'));
    assert.equal(internal.code, 'INTERNAL');
    assert.doesNotMatch(internal.message, /hunter2/);
    assert.equal(toWireError({ code: 'NOT_FOUND', message: 'no job' }).code, 'NOT_FOUND');
  });

  test('raw stream replies are parsed defensively', () => {
    assert.deepEqual(parseReadReply(null), []);
    assert.deepEqual(
      parseReadReply([
        [
          'k',
          [
            ['1-0', ['e', 'v']],
            ['2-0', null],
          ],
        ],
      ]),
      [
        {
          key: 'k',
          entries: [
            { id: '1-0', fields: { e: 'v' } },
            { id: '2-0', fields: {} },
          ],
        },
      ],
    );
    assert.deepEqual(parseAutoClaimReply(['0-0', [['3-0', ['a', 'b']]], ['4-0']]), {
      cursor: '0-0',
      entries: [
        { id: '3-0', fields: { a: 'b' } },
        { id: '4-0', fields: {} },
      ],
    });
  });

  test('routing: contracts owner for known patterns, prefix otherwise', () => {
    assert.equal(defaultResolveService(RPC.CREDITS_RESERVE), SERVICES.AUTH);
    assert.equal(defaultResolveService(RPC.JOBS_GET), SERVICES.INGESTION);
    assert.equal(defaultResolveService('test.echo'), 'test');
  });
});
