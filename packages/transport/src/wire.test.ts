import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DocatError, makeEnvelope, RPC, SERVICES } from '@docat/contracts';
import { defaultResolveService } from './routing.js';
import {
  wireCopy,
  jsonSafe,
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

  test('wireCopy gives what a JSON round trip gives, for every kind of value', () => {
    class Job {
      readonly id = 'j1';
      hidden = undefined;
      get computed(): string {
        return 'not an own property';
      }
    }
    const values: unknown[] = [
      null,
      0,
      -1.5,
      'text with "quotes" and \u2028',
      true,
      [1, undefined, () => 1, Symbol('s'), Number.NaN, Infinity, null, 'x'],
      {
        a: 1,
        b: undefined,
        c: () => 1,
        d: Symbol('s'),
        e: Number.NEGATIVE_INFINITY,
        [Symbol('k')]: 1,
        nested: { at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)) },
      },
      new Date(0),
      new Job(),
      new Map([['a', 1]]),
      new Set([1]),
      Buffer.from('hi'),
      { toJSON: (key: string) => ({ key, replaced: true }) },
      { inner: { toJSON: (key: string) => `called with ${key}` } },
      [new Number(3), new String('s'), new Boolean(false)],
      { toJSON: 'not a function', kept: 1 },
      Object.create(null, {
        own: { value: 1, enumerable: true },
        hidden: { value: 2, enumerable: false },
      }),
    ];
    for (const value of values)
      assert.deepEqual(wireCopy(value), JSON.parse(JSON.stringify(value)), JSON.stringify(value));
    assert.equal(wireCopy(undefined), undefined);
    assert.equal(jsonSafe(undefined), null);
    const original = { list: [{ n: 1 }] };
    const copied = wireCopy(original) as typeof original;
    copied.list[0]!.n = 2;
    assert.equal(original.list[0]!.n, 1, 'the copy shares nothing with the original');
  });

  test('wireCopy refuses what JSON refuses: bigints and cycles', () => {
    assert.throws(() => wireCopy({ n: 1n }), TypeError);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    assert.throws(() => wireCopy(cycle), TypeError);
  });
});
