import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import {
  jobListSchema,
  jobViewSchema,
  problemSchema,
  tokenPairSchema,
  type JobView,
  type TokenPair,
} from '@docat/contracts';
import { corpusFile, requireCorpus } from '@docat/testing';
import { STUB_RESULT_TEXT } from './testing/ingestion.stub.js';
import { startGatewayStack, type GatewayStack } from './testing/gateway.stack.js';

const corpus = requireCorpus('tracemonkey.pdf');
const MAX_BYTES = 2_000_000;

interface Problem {
  status: number;
  code: string;
  requestId?: string;
}

async function problemOf(response: Response): Promise<Problem> {
  assert.equal(response.headers.get('content-type'), 'application/problem+json');
  const body: unknown = await response.json();
  const parsed = problemSchema.parse(body);
  assert.equal(parsed.status, response.status);
  assert.equal(parsed.requestId, response.headers.get('x-request-id'));
  return parsed;
}

function pdfForm(
  file: Blob,
  fields: Record<string, string>,
  fieldsFirst = true,
  fileName = 'paper.pdf',
): FormData {
  const form = new FormData();
  if (!fieldsFirst) form.append('file', file, fileName);
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  if (fieldsFirst) form.append('file', file, fileName);
  return form;
}

/** A multipart body produced chunk by chunk, with no Content-Length (chunked transfer). */
function streamedMultipart(
  fileChunks: () => Generator<Buffer>,
  fields: Record<string, string>,
): { body: ReadableStream<Uint8Array>; contentType: string } {
  const boundary = `----docat${randomBytes(8).toString('hex')}`;
  function* parts(): Generator<Buffer> {
    for (const [name, value] of Object.entries(fields)) {
      yield Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
      );
    }
    yield Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
    );
    yield* fileChunks();
    yield Buffer.from(`\r\n--${boundary}--\r\n`);
  }
  const iterator = parts();
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(new Uint8Array(next.value));
    },
  });
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

async function objectKeys(stack: GatewayStack, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of stack.storage.list(prefix)) keys.push(info.key);
  return keys.sort();
}

describe('gateway over HTTP with auth and a stub ingestion', { skip: corpus.skip }, () => {
  let stack: GatewayStack;
  let tracemonkey: Buffer;
  let alice: TokenPair;
  let bob: TokenPair;
  const url = (path: string) => `${stack.baseUrl}${path}`;
  const bearer = (pair: TokenPair) => ({ authorization: `Bearer ${pair.accessToken}` });

  async function account(email: string): Promise<TokenPair> {
    const registered = await fetch(url('/v1/auth/register'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'a-long-password' }),
    });
    assert.equal(registered.status, 202);
    const login = await fetch(url('/v1/auth/login'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'a-long-password' }),
    });
    assert.equal(login.status, 200);
    return tokenPairSchema.parse(await login.json());
  }

  async function upload(
    pair: TokenPair,
    form: FormData,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    return fetch(url('/v1/documents'), {
      method: 'POST',
      headers: { ...bearer(pair), ...headers },
      body: form,
    });
  }

  before(async () => {
    stack = await startGatewayStack({ MAX_UPLOAD_BYTES: String(MAX_BYTES) });
    tracemonkey = await readFile(corpusFile('tracemonkey.pdf'));
    alice = await account('alice@example.org');
    bob = await account('bob@example.org');
  });

  after(async () => {
    await stack?.stop();
  });

  test('auth routes: /v1/me needs a valid token; refresh rotates; logout ends the session', async () => {
    const me = await fetch(url('/v1/me'), { headers: bearer(alice) });
    assert.equal(me.status, 200);
    assert.equal(((await me.json()) as { email: string }).email, 'alice@example.org');

    assert.equal((await problemOf(await fetch(url('/v1/me')))).code, 'UNAUTHENTICATED');
    const tampered = `${alice.accessToken.slice(0, -4)}AAAA`;
    assert.equal(
      (
        await problemOf(
          await fetch(url('/v1/me'), { headers: { authorization: `Bearer ${tampered}` } }),
        )
      ).code,
      'TOKEN_INVALID',
    );

    const refreshed = await fetch(url('/v1/auth/refresh'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: alice.refreshToken }),
    });
    assert.equal(refreshed.status, 200);
    alice = tokenPairSchema.parse(await refreshed.json());
    const logout = await fetch(url('/v1/auth/logout'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: alice.refreshToken }),
    });
    assert.equal(logout.status, 204);
    const again = await fetch(url('/v1/auth/refresh'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: alice.refreshToken }),
    });
    assert.equal((await problemOf(again)).code, 'TOKEN_INVALID');
    // The access token stays valid until it expires: it is verified locally.
    assert.equal((await fetch(url('/v1/me'), { headers: bearer(alice) })).status, 200);

    const wrong = await fetch(url('/v1/auth/login'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'alice@example.org', password: 'not-the-password' }),
    });
    assert.equal((await problemOf(wrong)).code, 'INVALID_CREDENTIALS');
  });

  test('every response carries the request id and the security headers', async () => {
    const sane = await fetch(url('/v1/languages'), {
      headers: { 'x-request-id': 'client-request-0001' },
    });
    assert.equal(sane.headers.get('x-request-id'), 'client-request-0001');
    const insane = await fetch(url('/v1/languages'), {
      headers: { 'x-request-id': 'bad id with spaces <script>' },
    });
    assert.match(insane.headers.get('x-request-id') ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    assert.equal(insane.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(insane.headers.get('x-frame-options'), 'DENY');
    assert.match(insane.headers.get('strict-transport-security') ?? '', /max-age=\d+/);
    assert.match(insane.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.equal(insane.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(
      insane.headers.get('access-control-allow-origin'),
      null,
      'no CORS without CORS_ORIGINS',
    );
  });

  test('HTTP-level errors are problem+json: unknown route, bad JSON, JSON body over 1 MB', async () => {
    assert.equal((await problemOf(await fetch(url('/v1/nothing-here')))).code, 'NOT_FOUND');
    const badJson = await fetch(url('/v1/auth/login'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"email":',
    });
    assert.equal((await problemOf(badJson)).code, 'VALIDATION_FAILED');
    const huge = await fetch(url('/v1/auth/login'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'x@example.org', password: 'p'.repeat(1_100_000) }),
    });
    assert.equal((await problemOf(huge)).code, 'PAYLOAD_TOO_LARGE');
    const invalid = await fetch(url('/v1/auth/register'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"email":"nope"}',
    });
    const problem = await problemOf(invalid);
    assert.equal(problem.code, 'VALIDATION_FAILED');
  });

  test('upload streams tracemonkey.pdf to storage and answers 202 with the job and its Location', async () => {
    const response = await upload(
      alice,
      pdfForm(new Blob([tracemonkey]), { targetLanguage: 'de', outputs: 'md,txt,json' }),
      {
        'idempotency-key': 'upload-0001',
      },
    );
    assert.equal(response.status, 202, await response.clone().text());
    const job = jobViewSchema.parse(await response.json());
    assert.equal(response.headers.get('location'), `/v1/jobs/${job.id}`);
    assert.deepEqual(job.outputs, ['md', 'txt', 'json']);
    const seen = stack.ingestion.jobs.get(job.id)!;
    assert.equal(seen.upload.bytes, tracemonkey.length);
    assert.equal(seen.upload.sha256, createHash('sha256').update(tracemonkey).digest('hex'));
    assert.equal(seen.upload.fileName, 'paper.pdf');
    // Counted from the streamed bytes: ingestion need not read the stored file for it.
    assert.equal(seen.upload.declaredPages, 14);
    assert.equal(seen.idempotencyKey, 'upload-0001');
    const stored = await stack.storage.get(seen.upload.storageKey);
    const chunks: Buffer[] = [];
    for await (const chunk of stored) chunks.push(chunk as Buffer);
    assert.ok(Buffer.concat(chunks).equals(tracemonkey), 'stored bytes equal the upload');
  });

  test('option fields may also come after the file part', async () => {
    const response = await upload(
      bob,
      pdfForm(new Blob([tracemonkey]), { targetLanguage: 'fr' }, false),
    );
    assert.equal(response.status, 202);
    assert.equal(jobViewSchema.parse(await response.json()).targetLanguage, 'fr');
  });

  test('refused uploads leave nothing in storage: empty, not a PDF, invalid options, no file', async () => {
    const before = await objectKeys(stack, 'uploads/');
    const empty = await upload(alice, pdfForm(new Blob([]), { targetLanguage: 'de' }));
    assert.equal((await problemOf(empty)).code, 'EMPTY_FILE');
    assert.equal(empty.status, 400);

    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      randomBytes(5000),
    ]);
    const notPdf = await upload(
      alice,
      pdfForm(new Blob([png]), { targetLanguage: 'de' }, true, 'image.pdf'),
    );
    assert.equal(notPdf.status, 415);
    assert.equal((await problemOf(notPdf)).code, 'UNSUPPORTED_MEDIA_TYPE');

    const badOptions = await upload(
      alice,
      pdfForm(new Blob([tracemonkey]), { targetLanguage: 'xx' }, false),
    );
    assert.equal((await problemOf(badOptions)).code, 'VALIDATION_FAILED');

    const noFile = new FormData();
    noFile.append('targetLanguage', 'de');
    assert.equal((await problemOf(await upload(alice, noFile))).code, 'VALIDATION_FAILED');

    const twoFiles = pdfForm(new Blob([tracemonkey]), { targetLanguage: 'de' });
    twoFiles.append('file', new Blob([tracemonkey]), 'second.pdf');
    assert.equal((await problemOf(await upload(alice, twoFiles))).code, 'VALIDATION_FAILED');

    const unauthenticated = await fetch(url('/v1/documents'), {
      method: 'POST',
      body: pdfForm(new Blob([tracemonkey]), { targetLanguage: 'de' }),
    });
    assert.equal((await problemOf(unauthenticated)).code, 'UNAUTHENTICATED');
    assert.deepEqual(await objectKeys(stack, 'uploads/'), before);
  });

  test('an engine refused while the file streams to storage stops the upload and leaves nothing stored', async () => {
    const before = await objectKeys(stack, 'uploads/');
    // The fields come first, so the engine is resolved while the file is being stored.
    const refused = await upload(
      alice,
      pdfForm(new Blob([tracemonkey]), { targetLanguage: 'de', engine: 'deepl' }),
    );
    assert.equal((await problemOf(refused)).code, 'ENGINE_UNAVAILABLE');
    assert.deepEqual(await objectKeys(stack, 'uploads/'), before);
    // The same request with an engine that is configured is accepted.
    const accepted = await upload(
      alice,
      pdfForm(new Blob([tracemonkey]), { targetLanguage: 'de' }),
    );
    assert.equal(accepted.status, 202);
  });

  test('a streamed upload crossing the size limit gets 413 FILE_TOO_LARGE and its partial object is deleted', async () => {
    const before = await objectKeys(stack, 'uploads/');
    let sent = 0;
    const { body, contentType } = streamedMultipart(
      function* () {
        yield Buffer.from('%PDF-1.7\n');
        for (let i = 0; i < 64; i++) {
          sent += 64 * 1024;
          yield Buffer.alloc(64 * 1024, 0x20);
        }
      },
      { targetLanguage: 'de' },
    );
    const response = await fetch(url('/v1/documents'), {
      method: 'POST',
      headers: { ...bearer(alice), 'content-type': contentType },
      body,
      duplex: 'half',
    } as RequestInit);
    assert.equal(response.status, 413);
    assert.equal((await problemOf(response)).code, 'FILE_TOO_LARGE');
    assert.ok(sent > MAX_BYTES);
    assert.deepEqual(await objectKeys(stack, 'uploads/'), before);
  });

  test('a Content-Length over the limit is refused before the body is read', async () => {
    const status = await new Promise<{ status: number; code: string }>((resolve, reject) => {
      const req = httpRequest(url('/v1/documents'), {
        method: 'POST',
        headers: {
          ...bearer(alice),
          'content-type': 'multipart/form-data; boundary=x',
          'content-length': String(MAX_BYTES * 10),
        },
      });
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            code: (JSON.parse(text) as { code: string }).code,
          }),
        );
      });
      req.on('error', reject);
      // Only the first bytes are ever sent: the answer must come without the rest.
      req.write('--x\r\n');
    });
    assert.deepEqual(status, { status: 413, code: 'FILE_TOO_LARGE' });
  });

  test('jobs: get, list with cursor, cancel; another user gets 404 on every job route', async () => {
    const created: JobView[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await upload(
        bob,
        pdfForm(new Blob([tracemonkey]), { targetLanguage: 'es' }),
      );
      created.push(jobViewSchema.parse(await response.json()));
    }
    const one = created[0]!;
    const got = await fetch(url(`/v1/jobs/${one.id}`), { headers: bearer(bob) });
    assert.equal(got.status, 200);
    assert.equal(jobViewSchema.parse(await got.json()).id, one.id);

    const page1 = jobListSchema.parse(
      await (await fetch(url('/v1/jobs?limit=2'), { headers: bearer(bob) })).json(),
    );
    assert.equal(page1.items.length, 2);
    assert.ok(page1.nextCursor);
    const page2 = await fetch(url(`/v1/jobs?limit=2&cursor=${page1.nextCursor}`), {
      headers: bearer(bob),
    });
    assert.equal(page2.status, 200);
    assert.equal(
      (await problemOf(await fetch(url('/v1/jobs?cursor=forged!'), { headers: bearer(bob) }))).code,
      'VALIDATION_FAILED',
    );

    const cancel = await fetch(url(`/v1/jobs/${one.id}`), {
      method: 'DELETE',
      headers: bearer(bob),
    });
    assert.equal((await problemOf(cancel)).code, 'JOB_ALREADY_FINISHED');

    for (const [method, path] of [
      ['GET', `/v1/jobs/${one.id}`],
      ['DELETE', `/v1/jobs/${one.id}`],
      ['GET', `/v1/jobs/${one.id}/result?format=md`],
    ] as const) {
      const response = await fetch(url(path), { method, headers: bearer(alice) });
      assert.equal(response.status, 404, `${method} ${path}`);
      assert.equal((await problemOf(response)).code, 'NOT_FOUND');
    }
    const aliceList = jobListSchema.parse(
      await (await fetch(url('/v1/jobs'), { headers: bearer(alice) })).json(),
    );
    assert.ok(aliceList.items.every((job) => !created.some((c) => c.id === job.id)));
    assert.equal(
      (await problemOf(await fetch(url('/v1/jobs/not-a-uuid'), { headers: bearer(bob) }))).code,
      'VALIDATION_FAILED',
    );
  });

  test('results stream with ETag, Cache-Control, Content-Disposition, Range and If-None-Match', async () => {
    const job = jobViewSchema.parse(
      await (
        await upload(alice, pdfForm(new Blob([tracemonkey]), { targetLanguage: 'de' }))
      ).json(),
    );
    const resultUrl = url(`/v1/jobs/${job.id}/result?format=md`);
    const full = await fetch(resultUrl, { headers: bearer(alice) });
    assert.equal(full.status, 200);
    assert.equal(await full.text(), STUB_RESULT_TEXT);
    const etag = full.headers.get('etag');
    assert.match(etag ?? '', /^"[^"]+"$/);
    assert.match(full.headers.get('cache-control') ?? '', /^private/);
    assert.equal(full.headers.get('accept-ranges'), 'bytes');
    assert.match(
      full.headers.get('content-disposition') ?? '',
      /^attachment; filename="paper\.md"/,
    );
    assert.match(full.headers.get('content-type') ?? '', /^text\/markdown/);

    const bytes = Buffer.from(STUB_RESULT_TEXT, 'utf8');
    const partial = await fetch(resultUrl, { headers: { ...bearer(alice), range: 'bytes=2-9' } });
    assert.equal(partial.status, 206);
    assert.equal(partial.headers.get('content-range'), `bytes 2-9/${bytes.length}`);
    assert.ok(Buffer.from(await partial.arrayBuffer()).equals(bytes.subarray(2, 10)));

    const suffix = await fetch(resultUrl, { headers: { ...bearer(alice), range: 'bytes=-5' } });
    assert.equal(suffix.status, 206);
    assert.ok(Buffer.from(await suffix.arrayBuffer()).equals(bytes.subarray(bytes.length - 5)));

    const outside = await fetch(resultUrl, {
      headers: { ...bearer(alice), range: `bytes=${bytes.length + 10}-` },
    });
    assert.equal(outside.status, 416);
    assert.equal(outside.headers.get('content-range'), `bytes */${bytes.length}`);
    assert.equal((await problemOf(outside)).code, 'RANGE_NOT_SATISFIABLE');

    const notModified = await fetch(resultUrl, {
      headers: { ...bearer(alice), 'if-none-match': etag! },
    });
    assert.equal(notModified.status, 304);

    const otherFormat = await fetch(url(`/v1/jobs/${job.id}/result?format=pdf`), {
      headers: bearer(alice),
    });
    assert.equal((await problemOf(otherFormat)).code, 'RESULT_NOT_AVAILABLE');
    const badFormat = await fetch(url(`/v1/jobs/${job.id}/result?format=exe`), {
      headers: bearer(alice),
    });
    assert.equal((await problemOf(badFormat)).code, 'VALIDATION_FAILED');
  });

  test('public routes: languages, engines, health, and the OpenAPI docs', async () => {
    const languages = (await (await fetch(url('/v1/languages'))).json()) as {
      items: { code: string }[];
    };
    assert.ok(languages.items.some((l) => l.code === 'de'));
    // The limits a client states before an upload are this deployment's, not the defaults.
    const limits = await fetch(url('/v1/limits'));
    assert.equal(limits.status, 200);
    assert.deepEqual(await limits.json(), { maxUploadBytes: MAX_BYTES, maxPages: 500 });
    // /v1/engines asks the translation service's engines module, which this stack runs without keys.
    const engines = (await (await fetch(url('/v1/engines'))).json()) as {
      items: { name: string; default: boolean }[];
    };
    assert.deepEqual(
      engines.items.map((e) => [e.name, e.default]),
      [['pseudo', true]],
    );
    // This stack runs no workers: the aggregate says so with a 503.
    const health = await fetch(url('/health'));
    const healthBody = (await health.json()) as {
      status: string;
      checks: Record<string, { status: string }>;
      timestamp: string;
    };
    assert.equal(health.status, 503, JSON.stringify(healthBody));
    assert.equal(healthBody.status, 'unhealthy');
    for (const check of ['database', 'redis', 'storage'] as const)
      assert.equal(healthBody.checks[check]?.status, 'up', check);
    assert.equal(healthBody.checks['workers']?.status, 'down');
    assert.equal(healthBody.checks['engines']?.status, 'up');

    const spec = await fetch(url('/docs/openapi.json'));
    assert.equal(spec.status, 200);
    const document = (await spec.json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    assert.equal(document.openapi, '3.1.0');
    for (const path of [
      '/v1/documents',
      '/v1/jobs/{id}/result',
      '/v1/auth/login',
      '/v1/me',
      '/v1/limits',
    ])
      assert.ok(document.paths[path], path);
    const page = await fetch(url('/docs'));
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.doesNotMatch(page.headers.get('content-security-policy') ?? '', /script-src/);
    const html = await page.text();
    assert.match(html, /POST<\/span> <code>\/v1\/documents<\/code>/);
    assert.doesNotMatch(html, /<script|https?:\/\/cdn/);
  });
});
