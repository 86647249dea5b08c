import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DocatError,
  ERROR_CODES,
  isUuidV7,
  makeEnvelope,
  envelopeSchema,
  parsePageRange,
  uploadOptionsSchema,
  outputAffectingOptions,
  uuidv7,
  uuidv7Time,
  problemSchema,
  RPC,
  EVENTS,
  QUEUES,
} from './index.js';
import { z } from 'zod';

describe('uuidv7', () => {
  test('ids are version 7, carry their time and increase strictly within a millisecond', () => {
    const now = Date.UTC(2026, 10, 29, 12, 0, 0);
    const ids = Array.from({ length: 5000 }, () => uuidv7(now));
    for (const id of ids) assert.ok(isUuidV7(id), id);
    assert.equal(uuidv7Time(ids[0]!), now);
    const sorted = [...ids].sort();
    assert.deepEqual(sorted, ids);
    assert.equal(new Set(ids).size, ids.length);
  });
});

describe('page ranges', () => {
  test('parses, sorts and merges', () => {
    assert.deepEqual(parsePageRange('8, 1-5,3-6'), [
      { from: 1, to: 6 },
      { from: 8, to: 8 },
    ]);
    assert.deepEqual(parsePageRange('2'), [{ from: 2, to: 2 }]);
  });
  test('rejects bad syntax, zero and reversed ranges', () => {
    for (const bad of ['', '0', '5-1', 'a', '1-', '-3', '1,,2', '1-2-3']) {
      assert.equal(parsePageRange(bad), null, bad);
    }
  });
});

describe('upload options', () => {
  test('defaults and string coercions from multipart fields', () => {
    const parsed = uploadOptionsSchema.parse({
      targetLanguage: 'de',
      outputs: 'md, txt,md',
      noCache: 'true',
    });
    assert.deepEqual(parsed.outputs, ['md', 'txt']);
    assert.equal(parsed.noCache, true);
    assert.equal(parsed.useMemory, true);
    assert.equal(parsed.dualMode, 'side');
    assert.equal(parsed.translateFigureText, false);
  });
  test('translateFigureText is a multipart boolean that changes the result-cache key', () => {
    const on = uploadOptionsSchema.parse({ targetLanguage: 'de', translateFigureText: 'true' });
    const off = uploadOptionsSchema.parse({ targetLanguage: 'de', translateFigureText: 'false' });
    assert.equal(on.translateFigureText, true);
    assert.equal(off.translateFigureText, false);
    assert.notDeepEqual(outputAffectingOptions(on), outputAffectingOptions(off));
    assert.deepEqual(
      outputAffectingOptions(off),
      outputAffectingOptions(uploadOptionsSchema.parse({ targetLanguage: 'de' })),
    );
  });
  test('rejects unknown formats, languages, page ranges and non-http webhooks', () => {
    assert.equal(
      uploadOptionsSchema.safeParse({ targetLanguage: 'de', outputs: 'pdf,exe' }).success,
      false,
    );
    assert.equal(uploadOptionsSchema.safeParse({ targetLanguage: 'xx' }).success, false);
    assert.equal(
      uploadOptionsSchema.safeParse({ targetLanguage: 'de', pages: '3-1' }).success,
      false,
    );
    assert.equal(
      uploadOptionsSchema.safeParse({ targetLanguage: 'de', webhookUrl: 'file:///etc/passwd' })
        .success,
      false,
    );
  });
});

describe('errors', () => {
  test('problem details validate and carry the registered status', () => {
    const err = new DocatError('FILE_TOO_LARGE', 'over 50000000 bytes');
    const problem = err.toProblem({ requestId: 'r1' });
    assert.equal(problemSchema.parse(problem).status, 413);
    assert.equal(problem.code, 'FILE_TOO_LARGE');
    assert.equal(DocatError.fromWire(err.toWire()).code, 'FILE_TOO_LARGE');
  });
  test('every code has an HTTP error status', () => {
    for (const [code, def] of Object.entries(ERROR_CODES)) {
      assert.ok(def.status >= 400 && def.status < 600, code);
    }
  });
});

describe('wire names', () => {
  test('are unique within each family', () => {
    for (const family of [RPC, EVENTS, QUEUES]) {
      const values = Object.values(family);
      assert.equal(new Set(values).size, values.length);
    }
  });
  test('an envelope round-trips through its schema', () => {
    const env = makeEnvelope('jobs.get', 1, { jobId: 'j' }, { requestId: 'req-1', userId: 'u1' });
    const parsed = envelopeSchema(z.object({ jobId: z.string() })).parse(
      JSON.parse(JSON.stringify(env)),
    );
    assert.equal(parsed.data.jobId, 'j');
    assert.equal(parsed.requestId, 'req-1');
  });
});
