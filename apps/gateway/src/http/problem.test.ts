import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BadRequestException, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { z } from 'zod';
import { DocatError, problemSchema } from '@docat/contracts';
import { problemFor } from './problem.js';

function fastifyError(code: string, statusCode: number, message: string): Error {
  return Object.assign(new Error(message), { code, statusCode });
}

describe('problemFor', () => {
  test('a DocatError keeps its code, status and detail, and carries the request id', () => {
    const problem = problemFor(
      new DocatError('FILE_TOO_LARGE', 'The file exceeds 50000000 bytes'),
      {
        requestId: 'req-12345678',
        instance: '/v1/documents',
      },
    );
    assert.equal(problemSchema.safeParse(problem).success, true);
    assert.equal(problem.status, 413);
    assert.equal(problem.code, 'FILE_TOO_LARGE');
    assert.equal(problem.detail, 'The file exceeds 50000000 bytes');
    assert.equal(problem.requestId, 'req-12345678');
    assert.equal(problem.instance, '/v1/documents');
    assert.equal(problem.type, 'https://docat.dev/problems/file-too-large');
  });

  test('a zod error becomes VALIDATION_FAILED listing each issue', () => {
    const result = z.object({ email: z.email() }).safeParse({ email: 'nope' });
    assert.equal(result.success, false);
    const problem = problemFor(result.error);
    assert.equal(problem.status, 400);
    assert.equal(problem.code, 'VALIDATION_FAILED');
    assert.equal(problem.errors?.[0]?.path, 'email');
  });

  test('Fastify body errors map to registered codes', () => {
    assert.equal(
      problemFor(fastifyError('FST_ERR_CTP_BODY_TOO_LARGE', 413, 'Request body is too large')).code,
      'PAYLOAD_TOO_LARGE',
    );
    assert.equal(
      problemFor(fastifyError('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 'Unsupported Media Type'))
        .code,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    assert.equal(
      problemFor(fastifyError('FST_ERR_CTP_EMPTY_JSON_BODY', 400, 'empty')).code,
      'VALIDATION_FAILED',
    );
    assert.equal(
      problemFor(fastifyError('FST_REQ_FILE_TOO_LARGE', 413, 'file too large')).code,
      'FILE_TOO_LARGE',
    );
    assert.equal(
      problemFor(fastifyError('FST_FILES_LIMIT', 413, 'reach files limit')).code,
      'VALIDATION_FAILED',
    );
    const json = Object.assign(new SyntaxError('Unexpected token } in JSON'), { statusCode: 400 });
    assert.equal(problemFor(json).code, 'VALIDATION_FAILED');
  });

  test('Nest HTTP exceptions map by status', () => {
    assert.equal(problemFor(new NotFoundException('Cannot GET /nope')).code, 'NOT_FOUND');
    assert.equal(problemFor(new NotFoundException('Cannot GET /nope')).detail, undefined);
    assert.equal(problemFor(new PayloadTooLargeException()).code, 'PAYLOAD_TOO_LARGE');
    assert.equal(problemFor(new BadRequestException('bad')).status, 400);
  });

  test('unknown errors are 500 INTERNAL without any internals', () => {
    const problem = problemFor(new Error('connection to db-7.internal:5432 refused'));
    assert.equal(problem.status, 500);
    assert.equal(problem.code, 'INTERNAL');
    assert.equal(problem.detail, undefined);
    assert.ok(!JSON.stringify(problem).includes('db-7'));
    assert.equal(problemFor('a string').code, 'INTERNAL');
    assert.equal(
      problemFor(fastifyError('ECONNRESET', 500, 'socket at 10.0.0.3')).detail,
      undefined,
    );
  });

  test('an INTERNAL DocatError never carries its detail out', () => {
    assert.equal(problemFor(new DocatError('INTERNAL', 'stack trace here')).detail, undefined);
  });
});
