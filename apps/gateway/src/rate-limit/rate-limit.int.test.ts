import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { problemSchema, tokenPairSchema, type TokenPair } from '@docat/contracts';
import { corpusFile, requireCorpus } from '@docat/testing';
import { startGatewayStack, type GatewayStack } from '../testing/gateway.stack.js';

const corpus = requireCorpus('tracemonkey.pdf', 'standard_fonts.pdf');
const PASSWORD = 'a-long-password';

/**
 * The limits applied by the gateway over HTTP, with small limits so they are reached
 * quickly. The stack trusts 127.0.0.1 as a proxy, so each test picks its client
 * address with X-Forwarded-For and the per-address counts of one test do not leak
 * into another.
 */
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
function trickle(
  port: number,
  head: string,
  body: Buffer,
  gapMs: number,
  giveUpMs: number,
): Promise<Outcome> {
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

describe('rate limits and login lockout through the gateway', { skip: corpus.skip }, () => {
  let stack: GatewayStack;
  let pdf: Buffer;
  const url = (path: string) => `${stack.baseUrl}${path}`;

  function login(email: string, password: string, ip: string): Promise<Response> {
    return fetch(url('/v1/auth/login'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
      body: JSON.stringify({ email, password }),
    });
  }

  async function register(email: string, ip: string): Promise<void> {
    const res = await fetch(url('/v1/auth/register'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    assert.equal(res.status, 202, await res.text());
  }

  async function codeOf(res: Response): Promise<string> {
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    return problemSchema.parse(await res.json()).code;
  }

  function upload(pair: TokenPair, body: Buffer = pdf): Promise<Response> {
    const form = new FormData();
    form.append('targetLanguage', 'de');
    form.append('file', new Blob([body]), 'paper.pdf');
    return fetch(url('/v1/documents'), {
      method: 'POST',
      headers: { authorization: `Bearer ${pair.accessToken}` },
      body: form,
    });
  }

  async function session(email: string, ip: string): Promise<TokenPair> {
    await register(email, ip);
    const res = await login(email, PASSWORD, ip);
    assert.equal(res.status, 200);
    return tokenPairSchema.parse(await res.json());
  }

  before(async () => {
    stack = await startGatewayStack({
      TRUSTED_PROXIES: '127.0.0.1,::1',
      RATE_LIMIT_PDF_UPLOAD: '2/hour',
      // Short body deadlines, so trickled bodies are cut within a second or two.
      HTTP_BODY_TIMEOUT: '1s',
      UPLOAD_MIN_RATE: '2000',
      UPLOAD_RATE_WINDOW: '1s',
      RATE_LIMIT_API_GENERAL: '1000/hour',
      RATE_LIMIT_AUTH_LOGIN: '8/minute',
      LOGIN_LOCKOUT: '3/15m',
      RATE_LIMIT_PASSWORD_RESET: '3/hour',
      RATE_LIMIT_PLANS: 'plus:pdf_upload=4/hour,api_general=2000/hour',
      DOCAT_ADMIN_EMAIL: 'root@example.org',
      DOCAT_ADMIN_PASSWORD: 'root-password-long',
    });
    pdf = await readFile(corpusFile('tracemonkey.pdf'));
  });
  after(() => stack?.stop());

  test('pdf_upload counts per user: the third upload in the hour is 429 with Retry-After and RateLimit-*', async () => {
    const alice = await session('alice@example.org', '198.51.100.1');
    const bob = await session('bob@example.org', '198.51.100.1');
    const first = await upload(alice);
    assert.equal(first.status, 202);
    assert.equal(first.headers.get('ratelimit-limit'), '2');
    assert.equal(first.headers.get('ratelimit-remaining'), '1');
    assert.match(
      first.headers.get('ratelimit-policy') ?? '',
      /^2;w=3600;comment="pdf_upload", 1000;w=3600;comment="api_general"$/,
    );
    const second = await upload(alice);
    assert.equal(second.status, 202);
    assert.equal(second.headers.get('ratelimit-remaining'), '0');
    const third = await upload(alice);
    assert.equal(third.status, 429);
    const retryAfter = Number(third.headers.get('retry-after'));
    assert.ok(retryAfter > 3590 && retryAfter <= 3600, `Retry-After ${retryAfter}`);
    assert.equal(third.headers.get('ratelimit-reset'), String(retryAfter));
    assert.equal(await codeOf(third), 'RATE_LIMITED');
    assert.equal((await upload(bob)).status, 202, 'another user has their own window');
  });

  test('only accepted uploads use the upload quota: refusals count against the general limit only', async () => {
    const dave = await session('dave@example.org', '198.51.100.4');
    const generalBefore = Number(
      (
        await fetch(url('/v1/me'), { headers: { authorization: `Bearer ${dave.accessToken}` } })
      ).headers.get('ratelimit-remaining'),
    );
    // Three refusals in a row with a quota of two: each is answered for what it is, never 429.
    const refused: number[] = [];
    for (let i = 0; i < 3; i++)
      refused.push((await upload(dave, Buffer.from('<html>not a pdf</html>'))).status);
    assert.deepEqual(refused, [415, 415, 415]);
    // The quota is whole: two accepted uploads, then 429.
    assert.deepEqual(
      [(await upload(dave)).status, (await upload(dave)).status, (await upload(dave)).status],
      [202, 202, 429],
    );
    // The refusals were counted by the general limit: 6 uploads, plus this request.
    const generalAfter = Number(
      (
        await fetch(url('/v1/me'), { headers: { authorization: `Bearer ${dave.accessToken}` } })
      ).headers.get('ratelimit-remaining'),
    );
    assert.equal(generalBefore - generalAfter, 7);
  });

  test('api_general headers on every /v1 route; none on /health', async () => {
    const carol = await session('carol@example.org', '198.51.100.2');
    const auth = { authorization: `Bearer ${carol.accessToken}` };
    const a = await fetch(url('/v1/jobs'), { headers: auth });
    const b = await fetch(url('/v1/me'), { headers: auth });
    assert.equal(a.status, 200);
    assert.equal(a.headers.get('ratelimit-limit'), '1000');
    assert.equal(
      Number(a.headers.get('ratelimit-remaining')) - 1,
      Number(b.headers.get('ratelimit-remaining')),
    );
    assert.ok(Number(a.headers.get('ratelimit-reset')) > 3590);
    const anonymous = await fetch(url('/v1/languages'), {
      headers: { 'x-forwarded-for': '198.51.100.3' },
    });
    assert.equal(
      anonymous.headers.get('ratelimit-remaining'),
      '999',
      'anonymous callers count per address',
    );
    assert.equal((await fetch(url('/health'))).headers.get('ratelimit-limit'), null);
  });

  test('after 3 failed logins the account is locked (423 ACCOUNT_LOCKED), even with the right password and from elsewhere', async () => {
    await register('dave@example.org', '198.51.100.4');
    for (let i = 0; i < 3; i++)
      assert.equal(
        await codeOf(await login('dave@example.org', 'wrong-password', '198.51.100.4')),
        'INVALID_CREDENTIALS',
      );
    const locked = await login('dave@example.org', PASSWORD, '198.51.100.5');
    assert.equal(locked.status, 423);
    const wait = Number(locked.headers.get('retry-after'));
    assert.ok(wait > 890 && wait <= 900, `Retry-After ${wait}`);
    assert.equal(await codeOf(locked), 'ACCOUNT_LOCKED');
    // Other accounts are not affected.
    await register('erin@example.org', '198.51.100.4');
    assert.equal((await login('erin@example.org', PASSWORD, '198.51.100.4')).status, 200);
  });

  test('a successful login clears the failure count', async () => {
    await register('frank@example.org', '198.51.100.6');
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 2; i++)
        assert.equal(
          (await login('frank@example.org', 'wrong-password', '198.51.100.6')).status,
          401,
        );
      assert.equal((await login('frank@example.org', PASSWORD, '198.51.100.6')).status, 200);
    }
  });

  test('auth_login counts per account across addresses, and per address across accounts', async () => {
    await register('grace@example.org', '198.51.100.7');
    const statuses: number[] = [];
    for (let i = 0; i < 9; i++)
      statuses.push((await login('grace@example.org', PASSWORD, `203.0.113.${10 + i}`)).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 200, 200, 429]);
    const spray: number[] = [];
    for (let i = 0; i < 9; i++)
      spray.push((await login(`nobody-${i}@example.org`, 'guess', '203.0.113.99')).status);
    assert.deepEqual(spray, [401, 401, 401, 401, 401, 401, 401, 401, 429]);
  });

  test('limits follow the plan: after an admin moves a user to plus, their next token carries the plus limits', async () => {
    const ivan = await session('ivan@example.org', '198.51.100.8');
    const before = await upload(ivan);
    assert.equal(before.status, 202);
    assert.equal(
      before.headers.get('ratelimit-policy')?.split(', ')[0],
      '2;w=3600;comment="pdf_upload"',
    );
    // The administrator auth created at start from DOCAT_ADMIN_EMAIL and DOCAT_ADMIN_PASSWORD.
    const root = tokenPairSchema.parse(
      await (await login('root@example.org', 'root-password-long', '198.51.100.9')).json(),
    );
    const me = (await (
      await fetch(url('/v1/me'), { headers: { authorization: `Bearer ${ivan.accessToken}` } })
    ).json()) as { id: string };
    const changed = await fetch(url(`/v1/admin/users/${me.id}/plan`), {
      method: 'POST',
      headers: { authorization: `Bearer ${root.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ plan: 'plus' }),
    });
    assert.equal(changed.status, 200, await changed.text());
    const relogged = tokenPairSchema.parse(
      await (await login('ivan@example.org', PASSWORD, '198.51.100.8')).json(),
    );
    const after = await upload(relogged);
    assert.equal(after.status, 202);
    assert.equal(after.headers.get('ratelimit-limit'), '4');
    assert.equal(
      after.headers.get('ratelimit-remaining'),
      '2',
      'the same window: the upload before the change still counts',
    );
    assert.match(
      after.headers.get('ratelimit-policy') ?? '',
      /4;w=3600;comment="pdf_upload", 2000;w=3600;comment="api_general"/,
    );
  });

  test('password_reset: 3 requests per hour per account, whatever the address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(url('/v1/auth/password-reset'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `192.0.2.${i + 1}` },
        body: JSON.stringify({ email: 'heidi@example.org' }),
      });
      statuses.push(res.status);
      if (res.status === 429)
        assert.match(
          res.headers.get('ratelimit-policy') ?? '',
          /^3;w=3600;comment="password_reset"/,
        );
    }
    assert.deepEqual(statuses, [202, 202, 202, 429]);
  });

  test('a JSON body trickling in is answered 408 at the body timeout, signed in or not, and the connection closed', async () => {
    const port = Number(new URL(stack.baseUrl).port);
    const pair = await session('slow@example.org', '198.51.100.9');
    const json = Buffer.from(
      JSON.stringify({ sourceLanguage: 'en', targetLanguage: 'de', csv: 'cat,Katze\n'.repeat(20) }),
    );
    const signedIn = await trickle(
      port,
      `POST /v1/glossaries HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${pair.accessToken}\r\nContent-Type: application/json\r\nContent-Length: ${json.length}\r\n\r\n`,
      json,
      200,
      10_000,
    );
    assert.deepEqual(
      { status: signedIn.status, code: signedIn.code, closed: signedIn.closed },
      { status: 408, code: 'REQUEST_TIMEOUT', closed: true },
    );
    assert.ok(signedIn.ms >= 900 && signedIn.ms < 4_000, `answered after ${signedIn.ms} ms`);
    const login = Buffer.from(JSON.stringify({ email: 'slow@example.org', password: PASSWORD }));
    const anonymous = await trickle(
      port,
      `POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${login.length}\r\n\r\n`,
      login,
      200,
      10_000,
    );
    assert.deepEqual(
      { status: anonymous.status, closed: anonymous.closed },
      { status: 408, closed: true },
    );
  });

  test('an upload under the minimum rate is answered 408 within a window or two, and the connection closed', async () => {
    const port = Number(new URL(stack.baseUrl).port);
    const pair = await session('slow-upload@example.org', '198.51.100.10');
    const boundary = 'slowboundary';
    const head = await readFile(corpusFile('standard_fonts.pdf'));
    const body = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="targetLanguage"\r\n\r\nde\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
      ),
      head.subarray(0, 3000),
    ]);
    const slow = await trickle(
      port,
      `POST /v1/documents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${pair.accessToken}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${body.length + 100}\r\n\r\n`,
      body,
      100,
      10_000,
    );
    assert.deepEqual(
      { status: slow.status, code: slow.code, closed: slow.closed },
      { status: 408, code: 'REQUEST_TIMEOUT', closed: true },
    );
    assert.ok(slow.ms < 4_000, `answered after ${slow.ms} ms`);
    // Bodies sent at a normal pace are not affected (every other test here sends them).
    assert.equal((await login('slow-upload@example.org', PASSWORD, '198.51.100.10')).status, 200);
  });
});
