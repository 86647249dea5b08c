import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { readFile } from 'node:fs/promises';
import { tokenPairSchema, type TokenPair } from '@docat/contracts';
import { corpusFile, requireCorpus } from '@docat/testing';
import { startGatewayStack, type GatewayStack } from '../testing/gateway.stack.js';

const corpus = requireCorpus('standard_fonts.pdf');

interface Outcome {
  status: number;
  code?: string;
  /** The server closed the connection after answering. */
  closed: boolean;
  ms: number;
}

/**
 * Sends the head of a request, then its body one byte every `gapMs`, and reads what the
 * gateway answers and whether it closes the connection. Raw sockets: fetch buffers and
 * retries in ways that would hide both.
 */
function trickle(port: number, head: string, body: Buffer, gapMs: number, giveUpMs: number): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const socket: Socket = connect(port, '127.0.0.1');
    let answer = '';
    let sent = 0;
    const timer = setInterval(() => {
      if (sent < body.length && socket.writable) socket.write(body.subarray(sent, ++sent));
    }, gapMs);
    const giveUp = setTimeout(() => finish(), giveUpMs);
    let done = false;
    const finish = (closed = false) => {
      if (done) return;
      done = true;
      clearInterval(timer);
      clearTimeout(giveUp);
      socket.destroy();
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
      const code = /"code":"([A-Z_]+)"/.exec(answer)?.[1];
      resolve({ status, closed, ms: Date.now() - t0, ...(code ? { code } : {}) });
    };
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', (err) => (answer ? finish(true) : reject(err)));
    socket.write(head);
  });
}

describe('slow request bodies are cut with 408', { skip: corpus.skip }, () => {
  let stack: GatewayStack;
  let pair: TokenPair;
  let port: number;

  before(async () => {
    stack = await startGatewayStack({ HTTP_BODY_TIMEOUT: '1s', UPLOAD_MIN_RATE: '2000', UPLOAD_RATE_WINDOW: '1s', MAX_UPLOAD_BYTES: '4000' });
    port = Number(new URL(stack.baseUrl).port);
    const body = JSON.stringify({ email: 'slow@example.org', password: 'a-long-password' });
    const headers = { 'content-type': 'application/json' };
    assert.equal((await fetch(`${stack.baseUrl}/v1/auth/register`, { method: 'POST', headers, body })).status, 202);
    pair = tokenPairSchema.parse(await (await fetch(`${stack.baseUrl}/v1/auth/login`, { method: 'POST', headers, body })).json());
  });
  after(() => stack?.stop());

  test('a JSON body trickling in is answered 408 at the body timeout, signed in or not, and the connection closed', async () => {
    const json = Buffer.from(JSON.stringify({ sourceLanguage: 'en', targetLanguage: 'de', csv: 'cat,Katze\n'.repeat(20) }));
    const signedIn = await trickle(
      port,
      `POST /v1/glossaries HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${pair.accessToken}\r\nContent-Type: application/json\r\nContent-Length: ${json.length}\r\n\r\n`,
      json,
      200,
      10_000,
    );
    assert.deepEqual({ status: signedIn.status, code: signedIn.code, closed: signedIn.closed }, { status: 408, code: 'REQUEST_TIMEOUT', closed: true });
    assert.ok(signedIn.ms >= 900 && signedIn.ms < 4_000, `answered after ${signedIn.ms} ms`);
    const login = Buffer.from(JSON.stringify({ email: 'slow@example.org', password: 'a-long-password' }));
    const anonymous = await trickle(port, `POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${login.length}\r\n\r\n`, login, 200, 10_000);
    assert.deepEqual({ status: anonymous.status, closed: anonymous.closed }, { status: 408, closed: true });
  });

  test('an upload under the minimum rate is answered 408 within a window or two, and the connection closed', async () => {
    const boundary = 'slowboundary';
    const pdf = await readFile(corpusFile('standard_fonts.pdf'));
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="targetLanguage"\r\n\r\nde\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\nContent-Type: application/pdf\r\n\r\n`),
      pdf.subarray(0, 3000),
    ]);
    const slow = await trickle(
      port,
      `POST /v1/documents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${pair.accessToken}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${body.length + 100}\r\n\r\n`,
      body,
      100,
      10_000,
    );
    assert.deepEqual({ status: slow.status, code: slow.code, closed: slow.closed }, { status: 408, code: 'REQUEST_TIMEOUT', closed: true });
    assert.ok(slow.ms < 4_000, `answered after ${slow.ms} ms`);
  });

  test('a body sent at a normal pace is not affected', async () => {
    const res = await fetch(`${stack.baseUrl}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'slow@example.org', password: 'a-long-password' }),
    });
    assert.equal(res.status, 200);
    const me = await fetch(`${stack.baseUrl}/v1/me`, { headers: { authorization: `Bearer ${pair.accessToken}` } });
    assert.equal(me.status, 200);
  });
});
